import Dapper
import DapperOTLPWire
import DapperWireTestSupport
import Foundation
import Testing

/// Writes the OTLP encoder's output for the independent check of `Scripts/crosscheck-otlp.py`
/// (the OpenTelemetry project's own Python bindings, `opentelemetry-proto`): one request per
/// vector of `Tests/Fixtures/legacy-go.json` (`otlp-vector-NN.pb`, by the vector's position),
/// which the script maps again from the fixture itself, and one request of every
/// cross-check span OTLP can carry (`otlp-batch.pb`), which must parse and re-serialise to the
/// same bytes.
///
/// Runs when `DAPPER_CROSSCHECK_DIR` names a directory; `Scripts/test` sets it, then runs
/// the Python check over what was written.
@Suite struct OTLPCrossCheckExportTests {
    static let resource = OTLPResource(
        serviceName: "crosscheck-fallback", attributes: [("deployment.environment", "crosscheck")])

    @Test(.enabled(if: CrossCheckSpans.directory != nil))
    func otlpRequestsAreWrittenForTheOpenTelemetryBindings() throws {
        let directory = try #require(CrossCheckSpans.directory)
        let encoder = OTLPSpanEncoder(resource: Self.resource)
        let vectors = WireVectors.spans
        #expect(vectors.count > 10)
        for (index, vector) in vectors.enumerated() {
            let bytes = try encoder.encodeRequest([vector.span])
            let name = String(index < 10 ? "0\(index)" : "\(index)")
            try Data(bytes).write(to: URL(fileURLWithPath: "\(directory)/otlp-vector-\(name).pb"))
        }
        let spans = CrossCheckSpans.spans().filter(OTLPExpectedSpan.isCarriable)
        #expect(spans.count > 200)
        try Data(try encoder.encodeRequest(spans)).write(to: URL(fileURLWithPath: "\(directory)/otlp-batch.pb"))
        try Data("\(spans.count)\n".utf8).write(to: URL(fileURLWithPath: "\(directory)/otlp-batch-count.txt"))
    }
}
