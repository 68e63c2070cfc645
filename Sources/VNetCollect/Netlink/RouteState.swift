import VNetModel

/// What rtnetlink says about links, addresses, routes and policy rules at one moment, each list in a
/// fixed order so two reads of an unchanged host are equal.
public struct RouteState: Equatable, Sendable {
    /// By interface index.
    public var links: [Link]
    /// By link index, family, address and prefix length.
    public var addresses: [InterfaceAddress]
    /// IPv4 then IPv6; by table, destination and metric. Every table, not only main and local.
    public var routes: [Route]
    /// IPv4 then IPv6; by priority.
    public var policyRules: [PolicyRule]
    /// Messages that could not be decoded (what could be read of them is kept above).
    public var notes: [CollectionNote]

    public init(links: [Link] = [], addresses: [InterfaceAddress] = [], routes: [Route] = [],
                policyRules: [PolicyRule] = [], notes: [CollectionNote] = []) {
        self.links = links
        self.addresses = addresses
        self.routes = routes
        self.policyRules = policyRules
        self.notes = notes
    }
}

/// The fixed orders of `RouteState`. Entries equal in the named keys are ordered by their full
/// text, which is stable for equal values.
enum RouteStateOrder {
    static func addresses(_ a: InterfaceAddress, _ b: InterfaceAddress) -> Bool {
        if a.linkIndex != b.linkIndex { return a.linkIndex < b.linkIndex }
        if a.address != b.address { return a.address < b.address }
        if a.prefixLength != b.prefixLength { return a.prefixLength < b.prefixLength }
        return String(describing: a) < String(describing: b)
    }

    static func routes(_ a: Route, _ b: Route) -> Bool {
        if a.family != b.family { return a.family == .ipv4 }
        if a.table != b.table { return a.table < b.table }
        if a.destination != b.destination { return a.destination < b.destination }
        if a.metric != b.metric { return (a.metric ?? -1) < (b.metric ?? -1) }
        return String(describing: a) < String(describing: b)
    }

    static func rules(_ a: PolicyRule, _ b: PolicyRule) -> Bool {
        if a.family != b.family { return a.family == .ipv4 }
        if a.priority != b.priority { return a.priority < b.priority }
        return String(describing: a) < String(describing: b)
    }
}
