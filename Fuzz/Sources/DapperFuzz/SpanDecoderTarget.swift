import Dapper
import DapperCollector
import DapperWire

// One decoder and encoder for the whole run: reusing them is what exercises their arenas
// across inputs of every size. libFuzzer calls the target from one thread.
nonisolated(unsafe) private let decoder = SpanDecoder(maximumSize: 1 << 20)
nonisolated(unsafe) private let encoder = (try? SpanEncoder(maximumSize: 1 << 21)) ?? SpanEncoder()

/// Decoding never crashes (address sanitizer: nor reads out of bounds or leaks); what
/// decodes, encodes, and the encoding decodes to a span that encodes to the same bytes (bytes,
/// not values: a NaN probability or tag is not equal to itself).
func checkSpanDecoder(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let span = try? decoder.decode(UnsafeRawBufferPointer(bytes)) else { return }
    let encoded: [UInt8]
    do {
        encoded = try encoder.encode(span)
    } catch {
        fatalError("decoded span does not encode: \(error)")
    }
    guard let again = try? decoder.decode(encoded) else {
        fatalError("re-encoded span does not decode")
    }
    guard (try? encoder.encode(again)) == encoded else {
        fatalError("span does not survive decode, encode, decode: \(span) vs \(again)")
    }
}
