import Foundation
import Testing
import VNetJudge
import VNetModel
@testable import VNetReport

/// The text people read: a failed check shows what, why (evidence) and the fix; a pass takes one line.
@Suite struct CheckRendererTests {
    static func report() -> AuditReport {
        let network = LibvirtNetwork(name: "default", active: true, persistent: true, autostart: true,
                                     forward: Forward(mode: .nat), bridge: BridgeConfig(name: "virbr0"),
                                     ips: [NetworkIP(family: .ipv4, address: IPAddress("192.168.122.1")!, prefixLength: 24)])
        let fail = Finding(id: "claim.nat.outbound-translated", kind: .claim, title: "Outbound traffic is translated",
                           status: .fail, message: "192.168.122.11 leaves eth0 untranslated.", family: .ipv4,
                           evidence: [.state("no masquerade rule for 192.168.122.0/24", source: "ip libvirt_network guest_nat")],
                           remediation: Remediation("Re-apply libvirt's rules.", commands: ["virsh net-destroy default", "virsh net-start default"]))
        let pass = Finding(id: "claim.nat.inbound-refused", kind: .claim, title: "New inbound connections are refused",
                           status: .pass, message: "refused by rule 7", family: .ipv4)
        let host = HostState(hostname: "hv", collectedAt: Date(timeIntervalSince1970: 1_800_000_000),
                             coverage: Coverage(libvirt: .live),
                             libvirt: LibvirtState(configuredFirewallBackend: .nftables, networks: [network]))
        return AuditReport.assemble(scope: AuditScope(host: host), claims: { _ in [fail, pass] }, rules: [],
                                    source: "snapshot /tmp/s", version: "0.0.0")
    }

    @Test func failedCheckShowsMessageEvidenceAndFixAndPassOneLine() {
        let text = CheckRenderer.render(Self.report())
        #expect(text.contains("network default  nat  virbr0  192.168.122.0/24  FAIL"))
        #expect(text.contains("192.168.122.11 leaves eth0 untranslated."))
        #expect(text.contains("evidence: no masquerade rule for 192.168.122.0/24"))
        #expect(text.contains("$ virsh net-start default"))
        let passLines = text.split(separator: "\n").filter { $0.contains("claim.nat.inbound-refused") }
        #expect(passLines.count == 1)
        #expect(!text.contains("refused by rule 7"), "a pass shows no details")
        #expect(text.contains("verdict: FAIL") && text.contains("(exit 1)"))
        #expect(text.contains("1 network (1 fail); 2 checks (1 fail, 1 pass)"))
    }

    @Test func colourOnlyWhenAsked() {
        #expect(!CheckRenderer.render(Self.report(), color: false).contains("\u{1B}["))
        #expect(CheckRenderer.render(Self.report(), color: true).contains("\u{1B}[31m"))
    }

    @Test func captureSectionShowsDropsAndEarlyEnds() {
        var report = Self.report()
        report.capture = CaptureSection(source: "live", requestedSeconds: 30, durationSeconds: 30.2, evidenceDirectory: "evidence",
            interfaces: [
                CaptureSection.Interface(interface: "virbr0", source: "live", filter: nil, linkType: 1, frames: 120, bytes: 9000,
                                         counters: .init(received: 123, droppedByKernel: 3, droppedByInterface: 0),
                                         decode: nil, end: .completed, endDetail: nil, durationSeconds: 30.2, truncatedLastRecord: nil),
                CaptureSection.Interface(interface: "vnet3", source: "live", filter: nil, linkType: 1, frames: 7, bytes: 700,
                                         counters: .init(received: 7, droppedByKernel: 0, droppedByInterface: 0),
                                         decode: nil, end: .interfaceVanished, endDetail: nil, durationSeconds: 4.0, truncatedLastRecord: nil),
            ])
        let text = CheckRenderer.render(report)
        #expect(text.contains("traffic (live, 30.2 s; evidence pcaps in evidence)"))
        #expect(text.contains("virbr0  120 frames; dropped 3 by the kernel, 0 by the interface"))
        #expect(text.contains("vnet3  7 frames") && text.contains("interface-vanished"))
    }
}
