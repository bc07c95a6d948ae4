/// What an OTLP export says about the process that made the spans: the `Resource` of each
/// `ResourceSpans`, beside the spans' own `service.name`.
public struct OTLPResource: Sendable {
    /// The `service.name` of spans whose own service name is empty (a span's own name wins:
    /// an agent forwards spans of many services in one request).
    public var serviceName: String
    /// Further resource attributes, as strings (`OTEL_RESOURCE_ATTRIBUTES` has only strings).
    /// A key given twice keeps its last value; `service.name` here is ignored, as the spans'
    /// service names are what groups them.
    public var attributes: [(key: String, value: String)]

    /// Creates a resource description.
    public init(serviceName: String, attributes: [(key: String, value: String)] = []) {
        self.serviceName = serviceName
        self.attributes = attributes
    }

    /// The attributes that are sent, in order: without `service.name`, and the last value of a
    /// repeated key where that value was given.
    var uniqueAttributes: [(key: String, value: String)] {
        attributes.enumerated().filter { index, attribute in
            attribute.key != OTLPSpanEncoder.serviceNameKey
                && !attributes[(index + 1)...].contains { $0.key == attribute.key }
        }.map(\.element)
    }
}
