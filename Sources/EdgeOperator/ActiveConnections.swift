import Foundation

/// Counts established TCP connections served from one address and port, from the kernel's
/// socket tables, so a drain can wait until in-flight transfers have finished.
enum ActiveConnections {
    static func count(address: String, port: Int) -> Int {
        guard let local = localKey(address: address, port: port) else { return 0 }
        let table = (try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)) ?? ""
        return count(in: table, local: local)
    }

    /// Rows whose local address is `local` (kernel format `0100007F:1F90`) and state is 01 (ESTABLISHED).
    static func count(in table: String, local: String) -> Int {
        table.split(separator: "\n").dropFirst().reduce(0) { total, row in
            let fields = row.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 3 else { return total }
            return total + (fields[1] == local && fields[3] == "01" ? 1 : 0)
        }
    }

    /// The kernel writes an IPv4 address as its 32-bit value in host (little-endian) order.
    static func localKey(address: String, port: Int) -> String? {
        let octets = address.split(separator: ".").compactMap { UInt8($0) }
        guard octets.count == 4 else { return nil }
        let hexAddress = octets.reversed().map { String(format: "%02X", $0) }.joined()
        return "\(hexAddress):\(String(format: "%04X", port))"
    }
}
