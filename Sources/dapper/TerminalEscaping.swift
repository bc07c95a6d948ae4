/// Escaping for text that carries peer data (span names, tags, log fields, decoder messages)
/// on its way to a terminal or a line-oriented reader: whatever a peer sends, one span stays
/// one line and no byte reaches the terminal as a control sequence.
enum TerminalEscaping {
    /// `text` with `\` doubled and every control character written out: `\n`, `\r`, `\t`,
    /// and `\u{…}` for the rest of C0, DEL, C1, the Unicode line and paragraph separators
    /// (U+2028, U+2029) and the bidirectional overrides (U+202A…U+202E, U+2066…U+2069), which
    /// can make a line read differently from what it holds. Unambiguous: a `\` in the output
    /// always starts an escape.
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default: result += "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return result
    }

    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1f, 0x5c, 0x7f...0x9f, 0x2028, 0x2029, 0x202a...0x202e, 0x2066...0x2069: true
        default: false
        }
    }

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
