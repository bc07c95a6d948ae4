#if Zipkin  // a package trait, on by default (README, "Installation")
import Dapper
import DapperExporterSupport
/// An `http://` or `https://` endpoint taken apart: `scheme://userinfo@host:port/path?query`.
///
/// The reporter posts to the URL without its user info and sends the user info as HTTP Basic
/// authentication; messages show it as `***`.
struct ZipkinEndpoint {
    /// `http` or `https`, as written.
    let scheme: Substring
    /// What precedes the last `@` of the authority, still percent-encoded; `nil` when absent.
    let userInfo: Substring?
    /// `host`, `host:port`, `[v6]` or `[v6]:port`.
    let hostAndPort: Substring
    /// The path, query and fragment, from the first `/`, `?` or `#` on.
    let rest: Substring

    /// Takes `text` apart and checks its scheme, host and port.
    ///
    /// - Throws: ``ZipkinConfigurationError`` quoting `text` with its user info redacted.
    init(_ text: String) throws(ZipkinConfigurationError) {
        guard let separator = text.firstRange(of: "://"),
            ["http", "https"].contains(text[..<separator.lowerBound].lowercased())
        else { throw .unsupportedScheme(redacted(text)) }
        scheme = text[..<separator.lowerBound]
        let afterScheme = text[separator.upperBound...]
        let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        rest = afterScheme[authorityEnd...]
        if let at = authority.lastIndex(of: "@") {
            userInfo = authority[..<at]
            hostAndPort = authority[authority.index(after: at)...]
        } else {
            userInfo = nil
            hostAndPort = authority
        }
        let host: Substring
        let port: Substring?
        if hostAndPort.hasPrefix("[") {
            guard let close = hostAndPort.firstIndex(of: "]") else { throw .missingHost(redacted(text)) }
            host = hostAndPort[hostAndPort.index(after: hostAndPort.startIndex)..<close]
            let afterHost = hostAndPort[hostAndPort.index(after: close)...]
            if afterHost.isEmpty {
                port = nil
            } else {
                guard afterHost.hasPrefix(":") else { throw .invalidPort(redacted(text)) }
                port = afterHost.dropFirst()
            }
        } else if let colon = hostAndPort.firstIndex(of: ":") {
            host = hostAndPort[..<colon]
            port = hostAndPort[hostAndPort.index(after: colon)...]
        } else {
            host = hostAndPort
            port = nil
        }
        guard !host.isEmpty else { throw .missingHost(redacted(text)) }
        guard host.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7f && $0 != "@" }) else {
            throw .invalidHost(redacted(text))
        }
        if let port {
            guard !port.isEmpty, port.utf8.count <= 5, port.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                let number = Int(port), (1...65535).contains(number)
            else { throw .invalidPort(redacted(text)) }
        }
    }

    /// The URL without its user info: where the reporter posts.
    var withoutUserInfo: String { "\(scheme)://\(hostAndPort)\(rest)" }

    /// The user and password of the user info, percent-decoded, for HTTP Basic
    /// authentication; `nil` without user info.
    ///
    /// - Throws: ``ZipkinConfigurationError/invalidUserInfo(_:)`` when they cannot be decoded
    ///   or cannot be sent (a `:` in the user, a control character), never quoting them.
    func credentials() throws(ZipkinConfigurationError) -> (user: String, password: String)? {
        guard let userInfo else { return nil }
        let colon = userInfo.firstIndex(of: ":")
        let rawUser = userInfo[..<(colon ?? userInfo.endIndex)]
        let rawPassword = colon.map { userInfo[userInfo.index(after: $0)...] } ?? ""
        guard let user = percentDecoded(rawUser), let password = percentDecoded(rawPassword) else {
            throw .invalidUserInfo("it holds an invalid percent-escape")
        }
        guard !user.contains(":") else { throw .invalidUserInfo("the user name holds a \":\"") }
        guard !(user + password).unicodeScalars.contains(where: isControl) else {
            throw .invalidUserInfo("it holds a control character")
        }
        return (user, password)
    }
}
#endif
