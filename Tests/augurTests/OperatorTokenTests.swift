import Foundation
import Testing
@testable import augur

/// The operators' bearer token file: created private, and refused when others may read it.
@Suite struct OperatorTokenTests {
    static func path() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("augur-token-\(UUID().uuidString.prefix(8))/token").path
    }

    @Test func aNewTokenFileIsPrivateWhateverTheUmask() throws {
        let path = Self.path()
        let previous = umask(0o022)
        defer { umask(previous) }
        let token = try OperatorToken.load(path)
        #expect(token.count == 64)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600, "mode \(String(mode, radix: 8))")
        #expect(try OperatorToken.load(path) == token, "read back, not replaced")
    }

    @Test func aTokenFileOthersMayReadIsRefusedSayingHowToFixIt() throws {
        let path = Self.path()
        _ = try OperatorToken.load(path)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let error = #expect(throws: OperatorToken.TokenError.self) { try OperatorToken.load(path) }
        #expect(error?.description.contains("chmod 600 \(path)") == true, "\(String(describing: error))")
    }
}
