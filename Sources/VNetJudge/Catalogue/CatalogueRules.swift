/// Every rule implementation, one per `rules/*.yaml` definition (the Catalogue checks the pairing).
enum CatalogueRules {
    static let all: [any CatalogueRule] = [
        ForwardingOffRule(),
        ForeignForwardDropRule(),
        MixedRuleSystemsRule(),
        StaleBackendRulesRule(),
        LibvirtRulesMissingRule(),
        DHCPDNSBlockedRule(),
        DnsmasqDownRule(),
        ServicePortTakenRule(),
        SubnetOverlapRule(),
        BrNetfilterRule(),
        StrictRPFilterRule(),
        MTUMismatchRule(),
        ForwardDevMissingRule(),
        WirelessBridgePortRule(),
        BPFOnNetworkPathRule(),
        ConntrackTableFullRule(),
        PolicyRoutingDivertsRule(),
        FirewalldZoneRule(),
    ]
}
