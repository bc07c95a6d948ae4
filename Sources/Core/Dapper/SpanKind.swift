/// The kind a span reports as its `span.kind` tag.
package enum SpanKind: Int, CaseIterable, Sendable {
    case server, client, producer, consumer
    /// No `span.kind` tag.
    case `internal`

    package var tagValue: String? {
        switch self {
        case .server: "server"
        case .client: "client"
        case .producer: "producer"
        case .consumer: "consumer"
        case .internal: nil
        }
    }
}
