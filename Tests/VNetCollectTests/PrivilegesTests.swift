import Testing
@testable import VNetCollect
import VNetTestSupport

@Suite struct PrivilegesTests {
    @Test func effectiveCapabilitiesFromStatus() {
        let status = "Name:\tvnetaudit\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\n"
        #expect(Privileges.effectiveCapabilities(status: status) == 0x1ff_ffff_ffff)
        #expect(Privileges.effectiveCapabilities(status: "Name:\tx\n") == nil)
        #expect(Privileges.effectiveCapabilities(status: "CapEff:\tnot-hex\n") == nil)
    }

    @Test func netAdminDecides() {
        #expect(Privileges.missing(effectiveCapabilities: 1 << 12, isRoot: false) == [])
        #expect(Privileges.missing(effectiveCapabilities: 0, isRoot: true) == ["CAP_NET_ADMIN (run as root)"])
        #expect(Privileges.missing(effectiveCapabilities: nil, isRoot: true) == [])
        #expect(Privileges.missing(effectiveCapabilities: nil, isRoot: false) == ["CAP_NET_ADMIN (run as root)"])
    }

    @Test(.enabled(if: Shell.isRoot, "the test process runs as root with full capabilities"))
    func rootHasEverything() {
        #expect(Privileges.missingForLiveCollection() == [])
    }
}
