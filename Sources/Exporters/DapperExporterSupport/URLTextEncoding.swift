#if Zipkin || OTLPHTTP || OTLPGRPC  // package traits, on by default (README, "Installation")
import Dapper

// The text forms an endpoint URL and its headers need: redaction for messages, percent-decoding
// for parameters and user info, control characters for header values, base64 for Basic
// authentication.

/// `text` with the user info of its URL (what precedes `@` in the authority) replaced by
/// `***`, and its control characters escaped: the form every message quotes.
package func redacted(_ text: String) -> String {
    let authorityStart = text.firstRange(of: "://").map(\.upperBound) ?? text.startIndex
    let afterScheme = text[authorityStart...]
    let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? afterScheme.endIndex
    guard let at = afterScheme[..<authorityEnd].lastIndex(of: "@") else { return TerminalEscaping.escaped(text) }
    return TerminalEscaping.escaped(String(text[..<authorityStart]) + "***" + String(text[at...]))
}

/// Decodes `%XX` escapes (a `+` stays a `+`: this is a URL, not a form); `nil` when an escape
/// is malformed or the bytes are not UTF-8.
package func percentDecoded(_ text: Substring) -> String? {
    guard text.contains("%") else { return String(text) }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.utf8.count)
    var index = text.utf8.startIndex
    let utf8 = text.utf8
    while index < utf8.endIndex {
        let byte = utf8[index]
        guard byte == UInt8(ascii: "%") else {
            bytes.append(byte)
            index = utf8.index(after: index)
            continue
        }
        let first = utf8.index(after: index)
        guard first < utf8.endIndex, case let high = Hex.digitValue(utf8[first]), high < 16 else { return nil }
        let second = utf8.index(after: first)
        guard second < utf8.endIndex, case let low = Hex.digitValue(utf8[second]), low < 16 else { return nil }
        bytes.append(high << 4 | low)
        index = utf8.index(after: second)
    }
    return String(validating: bytes, as: UTF8.self)
}

/// Whether `byte` may appear in an HTTP token (RFC 9110 §5.6.2): a header's name.
package func isHTTPTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        true
    default:
        "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }
}

/// C0 controls, DEL and C1 controls.
package func isControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value)
}

/// Standard base64 with padding, for the `Authorization: Basic` header.
package func base64(_ bytes: some Collection<UInt8>) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    let input = Array(bytes)
    var output: [UInt8] = []
    output.reserveCapacity((input.count + 2) / 3 * 4)
    var index = 0
    while index < input.count {
        let chunk = input[index..<min(index + 3, input.count)]
        let value = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * UInt32($1.offset)) }
        for position in 0..<4 {
            output.append(position <= chunk.count ? alphabet[Int(value >> (18 - 6 * UInt32(position)) & 0x3f)] : UInt8(ascii: "="))
        }
        index += 3
    }
    return String(decoding: output, as: UTF8.self)
}
#endif
