#if Command  // a package trait, on by default (README, "Installation")
import Dapper

extension TerminalEscaping {
    /// Rewrites, in JSON text, the characters JSON allows raw inside strings that a terminal
    /// or a line splitter would act on: DEL and C1 (U+0080…U+009F, as UTF-8 `C2 80`…`C2 9F`) and
    /// U+2028, U+2029 become `\u007f`, `\u0080`…, `\u2028`, `\u2029`. JSON allows them only
    /// inside strings, where the escape means the same character, so the JSON value is the
    /// same. (`ZipkinJSONEncoder` already escapes C0, `"` and `\`.)
    static func escapeRawControls(inJSON bytes: inout [UInt8]) {
        guard bytes.contains(where: { $0 == 0x7f || $0 == 0xc2 || $0 == 0xe2 }) else { return }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count + 32)
        var index = 0
        func append(escapeOf value: UInt32) {
            let digits = String(value, radix: 16)
            result += Array("\\u".utf8) + Array(repeating: UInt8(ascii: "0"), count: 4 - digits.count) + Array(digits.utf8)
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x7f {
                append(escapeOf: 0x7f)
                index += 1
            } else if byte == 0xc2, index + 1 < bytes.count, (0x80...0x9f).contains(bytes[index + 1]) {
                append(escapeOf: UInt32(bytes[index + 1]))
                index += 2
            } else if byte == 0xe2, index + 2 < bytes.count, bytes[index + 1] == 0x80, bytes[index + 2] == 0xa8 || bytes[index + 2] == 0xa9 {
                append(escapeOf: bytes[index + 2] == 0xa8 ? 0x2028 : 0x2029)
                index += 3
            } else {
                result.append(byte)
                index += 1
            }
        }
        bytes = result
    }
}
#endif
