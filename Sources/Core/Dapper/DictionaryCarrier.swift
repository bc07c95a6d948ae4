extension Dictionary: Carrier where Key == String, Value == String {
    public func get(_ key: String) -> String? { self[key] }
    public mutating func set(_ key: String, _ value: String) { self[key] = value }
}
