/// Where each libvirt file sits inside a snapshot's `raw/` tree: `libvirt/etc/`, `libvirt/run/` and
/// `libvirt/lib/` mirror the config, run and lib directories.
public enum LibvirtBundleLayout {
    public static let etc = "libvirt/etc/"
    public static let run = "libvirt/run/"
    public static let lib = "libvirt/lib/"

    public static let networkConf = etc + "network.conf"
    public static let definitions = etc + "qemu/networks/"
    /// Autostart entries are symlinks on the host; in the bundle each is a file holding the link target.
    public static let autostart = etc + "qemu/networks/autostart/"
    public static let status = run + "network/"
    public static let dnsmasq = lib + "dnsmasq/"
}
