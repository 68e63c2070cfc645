import VNetModel

/// Whether a policy rule's selectors match a request. Every selector set must match; `invert` (`not`)
/// flips the whole result, as in the kernel's `fib_rule_match`.
func policyRuleMatches(_ rule: PolicyRule, _ request: RoutingRequest) -> ThreeValued {
    var result = ThreeValued.yes
    if let from = rule.from { result = result && ThreeValued(from.contains(request.source)) }
    if let to = rule.to { result = result && ThreeValued(to.contains(request.destination)) }
    if let iif = rule.inputInterface { result = result && ThreeValued(iif == (request.inputInterface ?? "lo")) }
    if rule.outputInterface != nil {
        // Forwarded packets carry no output interface at rule time; a local socket may be bound to one.
        result = result && (request.inputInterface == nil ? .unknown : .no)
    }
    if let fwmark = rule.fwmark {
        let mask = rule.fwmask ?? UInt32.max
        result = result && (request.mark.map { ThreeValued(($0 & mask) == (fwmark & mask)) } ?? .unknown)
    }
    if rule.unmodelledSelectors?.isEmpty == false { result = result && .unknown }
    return rule.invert ? !result : result
}

/// The kernel's default rules, used when the model recorded none for the family.
func defaultPolicyRules(_ family: AddressFamily) -> [PolicyRule] {
    var rules = [PolicyRule(family: family, priority: 0, action: "lookup", table: Route.localTable),
                 PolicyRule(family: family, priority: 32766, action: "lookup", table: Route.mainTable)]
    if family == .ipv4 { rules.append(PolicyRule(family: family, priority: 32767, action: "lookup", table: 253)) }
    return rules
}
