import VNetCollect

/// The network namespace the audited host lives in: the process's own, or `--netns NAME`. Changes to
/// the host (the probe's veth end) are made there.
public struct HostSide: Sendable {
    public var namespace: String?

    public init(namespace: String?) {
        self.namespace = namespace
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
        guard let namespace else { return try body() }
        return try NetworkNamespace.run(named: namespace, body)
    }
}
