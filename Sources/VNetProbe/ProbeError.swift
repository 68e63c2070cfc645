import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Failures of the probe machinery, said the way the CLI prints them.
public enum ProbeError: Error, CustomStringConvertible {
    case system(String, Int32)
    case noFreeAddress(network: String, family: String)

    public var description: String {
        switch self {
        case .system(let call, let code): return "\(call): \(String(cString: strerror(code)))"
        case .noFreeAddress(let network, let family): return "network \(network): no free \(family) address for the probe port"
        }
    }
}
