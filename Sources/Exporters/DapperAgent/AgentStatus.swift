/// What the exporter knows about its connection, for ``AgentReporter/status``.
public struct AgentStatus: Sendable, Hashable {
    /// Whether the writer holds a connection to the agent.
    public var isConnected = false
    /// How many connections were made so far (more than one means reconnections).
    public var connections = 0
    /// The last connection or write error, if any.
    public var lastError: SocketError?
}
