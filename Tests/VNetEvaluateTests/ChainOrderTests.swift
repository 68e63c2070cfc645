import Testing
import VNetModel
@testable import VNetEvaluate

/// Every base chain at a hook runs, by priority, across tables and rule systems.
@Suite struct ChainOrderTests {
    @Test func anEarlierDropInOneTableBeatsALaterAcceptInAnother() {
        let dropper = Build.table("early", [Build.base("fwd", .forward, priority: -10, [
            Build.rule(1, .action(.drop), text: "drop"),
        ])])
        let accepter = Build.table("late", [Build.base("fwd", .forward, priority: 0, [
            Build.rule(1, .action(.accept), text: "accept"),
        ])])
        let result = evaluate(Build.guestOutbound(), hooks: [.forward], firewall: Firewall(tables: [accepter, dropper]))
        #expect(result.fate == .dropped)
        #expect(result.steps.map(\.table) == ["early"])
        #expect(result.steps.first?.hits.map(\.text) == ["drop"])
    }

    @Test func anAcceptDoesNotStopAnotherBaseChainAtTheSameHook() {
        let accepter = Build.table("first", [Build.base("fwd", .forward, priority: 0, [
            Build.rule(1, .action(.accept), text: "accept"),
        ])])
        let dropper = Build.table("second", [Build.base("fwd", .forward, priority: 0, [
            Build.rule(1, .action(.drop), text: "drop"),
        ])])
        let result = evaluate(Build.guestOutbound(), hooks: [.forward], firewall: Firewall(tables: [accepter, dropper]))
        #expect(result.fate == .dropped)
        #expect(result.steps.map(\.outcome) == [.accepted, .dropped])
    }

    @Test func anXtablesDropPolicyDropsWhatNftablesAccepts() {
        let legacy = Build.table("filter", system: .xtables, [Build.base("FORWARD", .forward, policy: .drop, [])])
        let nft = Build.table("libvirt", [Build.base("forward", .forward, [
            Build.rule(1, .match(Match(.iifname, .eq, .string("virbr0"))), .action(.accept), text: "iifname virbr0 accept"),
        ])])
        let result = evaluate(Build.guestOutbound(), hooks: [.forward], firewall: Firewall(tables: [nft, legacy]))
        #expect(result.fate == .dropped)
        #expect(result.steps.map(\.system) == [.xtables])
        #expect(result.steps.first?.outcome == .policy(.drop))
    }

    @Test func tablesOfTheOtherFamilyAndOtherHooksAreNotWalked() {
        let ipv6 = Build.table("v6", family: .ip6, [Build.base("fwd", .forward, [Build.rule(1, .action(.drop), text: "drop")])])
        let input = Build.table("in", [Build.base("in", .input, [Build.rule(1, .action(.drop), text: "drop")])])
        let inet = Build.table("both", family: .inet, [Build.base("fwd", .forward, [Build.rule(1, .action(.accept), text: "accept")])])
        let result = evaluate(Build.guestOutbound(), hooks: [.forward], firewall: Firewall(tables: [ipv6, input, inet]))
        #expect(result.fate == .accepted)
        #expect(result.steps.map(\.table) == ["both"])
    }

    @Test func ingressChainsHookOnlyTheirDevices() {
        let ingress = FirewallChain(name: "in", base: BaseChain(type: .filter, hook: .ingress, priority: 0, policy: .drop,
                                                                devices: ["eth0"]))
        let table = Build.table("t", family: .inet, [ingress])
        #expect(evaluate(Build.guestOutbound(), hooks: [.ingress], firewall: Firewall(tables: [table])).fate == .accepted)
        #expect(evaluate(Build.inboundToGuest(), hooks: [.ingress], firewall: Firewall(tables: [table])).fate == .dropped)
    }

    @Test func netdevIngressChainsSeeRoutedPacketsOfTheirDeviceButNetdevHasNoOtherHook() {
        let ingress = FirewallChain(name: "in", base: BaseChain(type: .filter, hook: .ingress, priority: 0, policy: .drop,
                                                                devices: ["eth0"]))
        let netdev = Build.table("t", family: .netdev, [ingress])
        #expect(evaluate(Build.inboundToGuest(), hooks: [.ingress], firewall: Firewall(tables: [netdev])).fate == .dropped)
        let bridgeForward = Build.table("b", family: .bridge, [Build.base("fwd", .forward, policy: .drop, [])])
        #expect(Build.fate(Build.guestOutbound(), bridgeForward) == .accepted)
    }

    @Test func tiesRunXtablesFirstThenTableOrder() {
        let nftA = Build.table("a", [Build.base("fwd", .forward, [])])
        let legacy = Build.table("filter", system: .xtables, [Build.base("FORWARD", .forward, [])])
        let nftB = Build.table("b", family: .inet, [Build.base("fwd", .forward, [])])
        let order = BaseChainOrder.chains(on: HookVisit(hook: .forward, layer: .routed), family: .ipv4, device: "virbr0",
                                           in: Firewall(tables: [nftA, legacy, nftB]))
        #expect(order.map(\.table.name) == ["filter", "a", "b"])
    }
}
