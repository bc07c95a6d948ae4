import Dapper
import DapperGRPC
import GRPCCore
import Tracing

/// The demo's `user` service over gRPC: `demo.UserService/GetUser` (unary) and
/// `demo.UserService/WatchUser` (server streaming). Messages are UTF-8 text, which keeps the
/// demo free of generated code; the tracing is the same for any message type.
struct UserService: RegistrableRPCService {
    static let getUser = MethodDescriptor(fullyQualifiedService: "demo.UserService", method: "GetUser")
    static let watchUser = MethodDescriptor(fullyQualifiedService: "demo.UserService", method: "WatchUser")

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(
            forMethod: Self.getUser, deserializer: UTF8Coder(), serializer: UTF8Coder()
        ) { request, _ in
            let id = try await ServerRequest(stream: request).message
            let name = try await withSpan("cache.get user:\(id)", ofKind: .client) { span in
                span.attributes["db.system"] = "redis"
                try await Task.sleep(for: .microseconds(300))
                return try Self.name(of: id)
            }
            return StreamingServerResponse(single: ServerResponse(message: name))
        }
        router.registerHandler(
            forMethod: Self.watchUser, deserializer: UTF8Coder(), serializer: UTF8Coder()
        ) { request, _ in
            let id = try await ServerRequest(stream: request).message
            return StreamingServerResponse { writer in
                for event in ["logged-in", "viewed-order", "logged-out"] {
                    try await Task.sleep(for: .milliseconds(1))
                    try await writer.write("\(id):\(event)")
                }
                return [:]
            }
        }
    }

    /// Users whose ID ends in 3 do not exist (an error on purpose).
    static func name(of id: String) throws -> String {
        guard !id.hasSuffix("3") else { throw RPCError(code: .notFound, message: "user \(id) not found") }
        return "user-\(id)"
    }
}
