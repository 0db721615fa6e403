import Foundation

/// Parsers for the human-friendly quantities configuration files use
/// ("5MB", "100Mbps", "30s", "5ms"). Each returns nil on anything it does not recognise,
/// so the caller can name the field in its error.
public enum Units {
    /// Bytes from "1048576", "512KB", "5MB", "5MiB", "1GB" (KB/MB/GB are powers of 1024, as the paper's sizes are).
    public static func bytes(_ text: String) -> Int? {
        scaled(text, units: ["": 1, "b": 1, "kb": 1_024, "kib": 1_024, "mb": 1_048_576, "mib": 1_048_576, "gb": 1_073_741_824, "gib": 1_073_741_824])
            .flatMap { $0 >= 1 ? Int(exactly: $0.rounded()) : nil }
    }

    /// Bits per second from "100Mbps", "10mbit", "1Gbps", "200000bps".
    public static func bitsPerSecond(_ text: String) -> Int? {
        scaled(text, units: ["bps": 1, "bit": 1, "kbps": 1_000, "kbit": 1_000, "mbps": 1_000_000, "mbit": 1_000_000, "gbps": 1_000_000_000, "gbit": 1_000_000_000])
            .flatMap { $0 >= 1 ? Int(exactly: $0.rounded()) : nil }
    }

    /// Milliseconds from "30s", "500ms", "2m"; a bare number means seconds.
    public static func milliseconds(_ text: String) -> Int? {
        scaled(text, units: ["": 1_000, "s": 1_000, "ms": 1, "m": 60_000, "min": 60_000])
            .flatMap { $0 >= 0 ? Int(exactly: $0.rounded()) : nil }
    }

    /// Seconds from "7d", "12h", "30m", "90s"; a bare number means seconds.
    public static func seconds(_ text: String) -> Double? {
        scaled(text, units: ["": 1, "s": 1, "m": 60, "min": 60, "h": 3_600, "d": 86_400])
            .flatMap { $0 >= 0 ? $0 : nil }
    }

    private static func scaled(_ text: String, units: [String: Double]) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let split = trimmed.firstIndex(where: { !($0.isNumber || $0 == ".") }) ?? trimmed.endIndex
        let number = trimmed[..<split]
        let unit = trimmed[split...].trimmingCharacters(in: .whitespaces)
        guard let value = Double(number), value.isFinite, let factor = units[unit] else { return nil }
        return value * factor
    }
}
