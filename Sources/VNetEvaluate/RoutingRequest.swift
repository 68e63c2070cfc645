import VNetModel

/// What the kernel's routing decision looks at: addresses, where the packet came in, and its mark.
public struct RoutingRequest: Sendable, Hashable {
    public var source: IPAddress
    public var destination: IPAddress
    /// The ingress interface; nil for a packet the host itself generates (policy rules then see `iif lo`).
    public var inputInterface: String?
    /// The packet mark; nil when unknown, so `fwmark` selectors stay unknown.
    public var mark: UInt32?

    public init(source: IPAddress, destination: IPAddress, inputInterface: String?, mark: UInt32? = 0) {
        self.source = source
        self.destination = destination
        self.inputInterface = inputInterface
        self.mark = mark
    }

    public var family: AddressFamily { destination.family }
}
