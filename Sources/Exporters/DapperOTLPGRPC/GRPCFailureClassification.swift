#if OTLPGRPC  // a package trait, on by default (README, "Installation")
import Dapper

/// The OTLP specification's reading of a failed call's gRPC status ("OTLP/gRPC Response",
/// "Failures"): which codes are worth a retry, and RetryInfo's delay.
enum GRPCFailureClassification {
    /// gRPC's canonical code names, lower case, by code number.
    static let codeNames = [
        "ok", "cancelled", "unknown", "invalid_argument", "deadline_exceeded", "not_found", "already_exists",
        "permission_denied", "resource_exhausted", "failed_precondition", "aborted", "out_of_range",
        "unimplemented", "internal", "unavailable", "data_loss", "unauthenticated",
    ]
    /// CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS: the
    /// specification's retryable codes.
    static let retryableCodes: Set<Int> = [1, 4, 10, 11, 14, 15]
    /// RESOURCE_EXHAUSTED: retryable only when the server says recovery is possible (RetryInfo).
    static let resourceExhausted = 8

    static func codeName(_ code: Int) -> String {
        codeNames.indices.contains(code) ? codeNames[code] : "unknown"
    }

    /// The result for a call that ended with status `code`, the server's `message`, and the
    /// `grpc-status-details-bin` trailer's bytes when there was one.
    static func failure(code: Int, message: String, statusDetails: [UInt8]?) -> OTLPGRPCResult {
        let retryInfo = statusDetails.map(RetryInfoDetail.init(statusDetails:)) ?? .absent
        let retryable: Bool
        let retryAfter: Duration?
        switch retryInfo {
        case .absent:
            retryable = retryableCodes.contains(code)
            retryAfter = nil
        case .present(let delay):
            retryable = retryableCodes.contains(code) || code == resourceExhausted
            retryAfter = retryable ? delay : nil
        }
        return .failed(
            code: codeName(code), retryable: retryable, retryAfter: retryAfter, message: TerminalEscaping.escaped(message))
    }
}
#endif
