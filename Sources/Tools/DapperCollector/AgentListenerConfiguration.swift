extension AgentListener {
    /// Options of the listener.
    public struct Configuration: Sendable, Hashable {
        /// The mode of a `unixgram` socket file: owner and group may send (0660). At most
        /// 0o777; the file has this mode from the moment it appears at its path.
        public var unixSocketMode: UInt32 = 0o660
        /// The largest span accepted, in bytes; larger datagrams and frames are skipped.
        public var maximumSpanSize: Int = SpanDecoder.defaultMaximumSize
        /// The kernel receive buffer asked for datagram sockets, to absorb bursts.
        public var receiveBufferSize: Int = 8 * 1024 * 1024
        /// The most TCP connections served at once; a connection beyond it is accepted and
        /// closed at once, and counted in ``Statistics/refusedConnections``.
        public var maximumConnections: Int = 256
        /// How long a TCP connection may send nothing before it is closed (and counted in
        /// ``Statistics/idleConnectionsClosed``); `nil` keeps idle connections open.
        public var idleTimeout: Duration? = .seconds(30)
        /// How long the listener stops accepting after `accept` failed for want of
        /// descriptors or memory, so that a full descriptor table does not make it spin.
        public var acceptBackoff: Duration = .milliseconds(100)

        /// Creates the default configuration.
        public init() {}
    }

    /// Counters of the listener.
    public struct Statistics: Sendable, Hashable {
        /// Spans decoded and handed to the handler.
        public var spans: Int = 0
        /// Inputs skipped, by reason (`malformed`, `too_large`, `bad_frame`,
        /// `unsupported_version`, `invalid_utf8`, `invalid_tag`, …).
        public var rejected: [String: Int] = [:]
        /// TCP connections accepted and served.
        public var connections: Int = 0
        /// TCP connections open now.
        public var openConnections: Int = 0
        /// TCP connections closed as soon as accepted, because
        /// ``Configuration/maximumConnections`` were open.
        public var refusedConnections: Int = 0
        /// TCP connections closed because they sent nothing for
        /// ``Configuration/idleTimeout``.
        public var idleConnectionsClosed: Int = 0
        /// Failed `accept` calls (out of descriptors or memory), each followed by a pause of
        /// ``Configuration/acceptBackoff``.
        public var acceptErrors: Int = 0

        /// Inputs skipped, all reasons together.
        public var totalRejected: Int { rejected.values.reduce(0, +) }
    }
}
