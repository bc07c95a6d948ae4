#if Zipkin  // a package trait, on by default (README, "Installation")
import Dapper

extension DropReason {
    /// The collector kept answering with 5xx until the batch's tries ran out.
    public static let serverError = DropReason("server_error")
}
#endif
