/// Escaping for text that carries input from outside (span names, tags and log fields from
/// peers, header values, configuration text quoted in errors) on its way to a terminal, a log
/// or a line-oriented reader: whatever arrives, one line stays one line and no byte reaches a
/// terminal as a control sequence.
package enum TerminalEscaping {
    /// `text` with `\` doubled and every control character written out: `\n`, `\r`, `\t`,
    /// and `\u{…}` for the rest of C0, DEL, C1, the Unicode line and paragraph separators
    /// (U+2028, U+2029) and the bidirectional overrides (U+202A…U+202E, U+2066…U+2069), which
    /// can make a line read differently from what it holds. Unambiguous: a `\` in the output
    /// always starts an escape.
    package static func escaped(_ text: String) -> String {
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

    package static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1f, 0x5c, 0x7f...0x9f, 0x2028, 0x2029, 0x202a...0x202e, 0x2066...0x2069: true
        default: false
        }
    }
}
