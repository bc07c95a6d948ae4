import DapperWireTestSupport
import DapperZipkinWire
import Foundation
import Testing

/// Writes the Zipkin encoders' output for the independent check of
/// `Scripts/crosscheck-zipkin.py` (Zipkin's OpenAPI schema, and a decoder generated from
/// `zipkin.proto`): the spans of `CrossCheckExportTests` as one JSON list and one proto3
/// `ListOfSpans`.
///
/// Runs when `DAPPER_CROSSCHECK_DIR` names a directory; `Scripts/test` sets it, then runs
/// the Python check over what was written.
@Suite struct ZipkinCrossCheckExportTests {
    @Test(.enabled(if: CrossCheckSpans.directory != nil))
    func zipkinListsAreWrittenForTheSchemaAndTheProtoDecoder() throws {
        let directory = try #require(CrossCheckSpans.directory)
        let spans = CrossCheckSpans.spans()
        var json: [UInt8] = []
        ZipkinJSONEncoder().appendList(spans, to: &json)
        try Data(json).write(to: URL(fileURLWithPath: "\(directory)/zipkin-list.json"))
        let proto = ZipkinProtoEncoder().encodeList(spans)
        try Data(proto).write(to: URL(fileURLWithPath: "\(directory)/zipkin-list.pb"))
        #expect(spans.count > 300)
    }
}
