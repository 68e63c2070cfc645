import VNetModel

/// Rule-header values (`-s`/`-d` addresses, `-p` protocol) printed as iptables-save prints them, for
/// readers that turn binary rule headers into tokens.
public enum XtablesHeaderText {
    /// `addr/len`, or `addr/mask` when the mask is not contiguous (always with the mask, `/32` too).
    public static func address(_ address: IPAddress, mask: IPAddress) -> String {
        XtablesAddressText.headerAddress(address, mask: mask)
    }

    /// The /etc/protocols name of a protocol number, or the number.
    public static func protocolName(_ number: UInt16) -> String {
        XtablesNames.protocolText(number)
    }
}
