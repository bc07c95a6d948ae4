#if DistributedTracing  // a package trait, on by default (README, "Installation")
import Dapper
import Tracing

// How swift-distributed-tracing's values become Dapper's: attributes as typed tags, span
// kinds as `span.kind`.

extension SpanTagValue {
    /// A tag value for an attribute: typed where Dapper has the type, text otherwise.
    init(_ attribute: SpanAttribute) {
        switch attribute {
        case .int32(let value): self = .int(Int64(value))
        case .int64(let value): self = .int(value)
        case .double(let value): self = .double(value)
        case .bool(let value): self = .bool(value)
        case .string(let value): self = .string(value)
        default: self = .string(attribute.text)
        }
    }
}

extension SpanAttribute {
    /// The attribute as text: arrays as `[a, b]`.
    var text: String {
        switch self {
        case .int32(let value): String(value)
        case .int64(let value): String(value)
        case .double(let value): String(value)
        case .bool(let value): String(value)
        case .string(let value): value
        case .int32Array(let values): "[" + values.map(String.init).joined(separator: ", ") + "]"
        case .int64Array(let values): "[" + values.map(String.init).joined(separator: ", ") + "]"
        case .doubleArray(let values): "[" + values.map { String($0) }.joined(separator: ", ") + "]"
        case .boolArray(let values): "[" + values.map(String.init).joined(separator: ", ") + "]"
        case .stringArray(let values): "[" + values.joined(separator: ", ") + "]"
        case .stringConvertible(let value): value.description
        case .stringConvertibleArray(let values): "[" + values.map(\.description).joined(separator: ", ") + "]"
        default: String(describing: self)
        }
    }
}

extension Dapper.SpanKind {
    init(_ kind: Tracing.SpanKind) {
        switch kind {
        case .server: self = .server
        case .client: self = .client
        case .producer: self = .producer
        case .consumer: self = .consumer
        case .internal: self = .internal
        }
    }
}
#endif
