@testable import Dapper
import Testing

/// Errors behind `any Error` are described exactly as `String(describing:)` does, whatever
/// the order in which types come (the last plain type is remembered).
@Suite struct ErrorDescriptionTests {
    struct Described: Error, CustomStringConvertible { var description: String { "described" } }
    struct Streamed: Error, CustomStringConvertible, TextOutputStreamable {
        var description: String { "the description" }
        func write<Target: TextOutputStream>(to target: inout Target) { target.write("streamed") }
    }
    struct Debugged: Error, CustomDebugStringConvertible { var debugDescription: String { "debugged" } }
    struct Plain: Error { let code = 7 }
    enum Cased: Error { case timeout }
    struct WithStack: Error, CustomStringConvertible, StackTraceCarryingError {
        var description: String { "with stack" }
        var stackTrace: String { "frame 0\nframe 1" }
    }

    static let errors: [any Error] = [Described(), Streamed(), Debugged(), Plain(), Cased.timeout, WithStack()]

    @Test func theMessageIsWhatStringDescribingGives() {
        // Twice over, and each type after every other: the remembered type never leaks.
        for first in Self.errors {
            for second in Self.errors + Self.errors {
                _ = ErrorDescription.describe(first)
                #expect(ErrorDescription.describe(second).message == String(describing: second))
            }
        }
    }

    @Test func onlyAStackCarryingErrorHasAStack() {
        for _ in 0..<2 {
            for error in Self.errors {
                let stack = ErrorDescription.describe(error).stack
                #expect(stack == (error is WithStack ? "frame 0\nframe 1" : nil), "\(error)")
            }
        }
    }

    struct Wrapper: Error, WrappingError, CustomStringConvertible {
        var underlying: any Error
        var description: String { "the wrapper" }
    }

    @Test func aWrappedErrorIsDescribedAsTheErrorItCarriesWhetherItsTypeIsKnownOrNot() {
        let wrapped = Wrapper(underlying: WithStack())
        let known = ErrorDescription.describe(concrete: wrapped)
        let existential = ErrorDescription.describe(wrapped as any Error)
        #expect(known.message == "with stack" && known.stack == "frame 0\nframe 1")
        #expect(existential.message == known.message && existential.stack == known.stack)
    }

    @Test func finishingWithAWrappedErrorOfAKnownTypeLogsTheErrorItCarries() throws {
        let (tracer, reporter) = makeTracer()
        tracer.new("op").finish(error: Wrapper(underlying: Described()))
        let span = try #require(reporter.spans.first)
        #expect(logFields(span) == [["message=described"]])
    }
}

