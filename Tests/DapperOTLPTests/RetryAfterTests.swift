@testable import DapperOTLP
import Testing

/// `Retry-After` as RFC 9110 writes it: seconds, or an HTTP-date.
@Suite struct RetryAfterTests {
    /// 1994-11-06 08:49:37 UTC.
    static let date: Double = 784_111_777

    @Test func secondsAreReadAsSeconds() {
        #expect(RetryAfter.wait("120", now: Self.date) == .seconds(120))
        #expect(RetryAfter.wait(" 0 ", now: Self.date) == .zero)
    }

    @Test func anHTTPDateIsTheWaitUntilIt() {
        #expect(RetryAfter.imfFixdate("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(RetryAfter.imfFixdate("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
        #expect(RetryAfter.imfFixdate("Tue, 29 Feb 2028 23:59:59 GMT") == 1_835_481_599)
        #expect(RetryAfter.wait("Sun, 06 Nov 1994 08:50:07 GMT", now: Self.date) == .seconds(30))
        #expect(RetryAfter.wait("Sun, 06 Nov 1994 08:49:00 GMT", now: Self.date) == .zero)
    }

    @Test(arguments: ["", "soon", "-5", "1.5", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT"])
    func anythingElseIsNoAdvice(value: String) {
        #expect(RetryAfter.wait(value, now: Self.date) == nil)
    }
}
