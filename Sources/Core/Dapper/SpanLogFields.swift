/// The fields of a log entry: an array that keeps one or two fields inline.
///
/// Nearly every log entry carries one or two fields (`message`; `event` and `message`), so
/// those need no heap allocation: finishing a span with an error stays allocation-free.
public struct SpanLogFields: Sendable, Hashable, RandomAccessCollection, ExpressibleByArrayLiteral {
    private enum Storage: Sendable, Hashable {
        case none
        case one(SpanLogField)
        case two(SpanLogField, SpanLogField)
        case many([SpanLogField])
    }

    private var storage: Storage

    /// Creates the fields from a sequence.
    public init(_ fields: some Sequence<SpanLogField>) {
        let array = Array(fields)
        switch array.count {
        case 0: storage = .none
        case 1: storage = .one(array[0])
        case 2: storage = .two(array[0], array[1])
        default: storage = .many(array)
        }
    }

    /// Creates the fields from a list.
    public init(arrayLiteral elements: SpanLogField...) { self.init(elements) }

    /// One field.
    public init(_ field: SpanLogField) { storage = .one(field) }

    /// Two fields.
    public init(_ first: SpanLogField, _ second: SpanLogField) { storage = .two(first, second) }

    public var startIndex: Int { 0 }

    public var endIndex: Int {
        switch storage {
        case .none: 0
        case .one: 1
        case .two: 2
        case .many(let fields): fields.count
        }
    }

    public subscript(position: Int) -> SpanLogField {
        switch storage {
        case .one(let field) where position == 0: return field
        case .two(let first, let second) where position == 0 || position == 1: return position == 0 ? first : second
        case .many(let fields): return fields[position]
        default: preconditionFailure("SpanLogFields index \(position) out of range")
        }
    }

    public static func == (lhs: SpanLogFields, rhs: SpanLogFields) -> Bool { lhs.elementsEqual(rhs) }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for field in self { hasher.combine(field) }
    }
}

extension SpanLogFields {
    /// Calls `body` with each field and its index, reading the fields in place: the subscript
    /// returns a copy, which costs a retain and a release per string.
    package func forEachInPlace(_ body: (Int, borrowing SpanLogField) -> Void) {
        switch storage {
        case .none: break
        case .one(let field): body(0, field)
        case .two(let first, let second):
            body(0, first)
            body(1, second)
        case .many(let fields):
            fields.withUnsafeBufferPointer { fields in
                for index in fields.indices { body(index, fields[index]) }
            }
        }
    }

    /// Whether one of the first `end` fields equals `field`, compared in place.
    package func containsInPlace(_ field: borrowing SpanLogField, before end: Int) -> Bool {
        switch storage {
        case .none: return false
        case .one(let only): return end > 0 && only == field
        case .two(let first, let second): return (end > 0 && first == field) || (end > 1 && second == field)
        case .many(let fields):
            return fields.withUnsafeBufferPointer { fields in
                fields.prefix(end).contains { $0 == field }
            }
        }
    }
}
