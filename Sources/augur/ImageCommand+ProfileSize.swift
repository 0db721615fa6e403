import ArgumentParser
import AugurModel
import Foundation

extension ImageCommand {
    /// `augur image profile-size`: the image size a flavor's profile gives for content of a
    /// size (interpolated between the paper's measurements, as the planner times a pull), so
    /// that `Scripts/build-images` prints a built image beside it without reading the
    /// flavors file itself.
    struct ProfileSize: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "profile-size",
            abstract: "Print the image megabytes FLAVOR's profile gives for content of BYTES (what the planner assumes for a pull).")

        @OptionGroup var config: ConfigurationOptions

        @Option(help: "A flavor of the flavors file.")
        var flavor: String

        @Option(help: "The content's size in bytes.")
        var contentBytes: Int

        func validate() throws {
            guard contentBytes >= 0 else { throw ValidationError("--content-bytes must not be negative") }
        }

        func run() throws {
            print(try megabytes())
        }

        /// The profile's figure, formatted with one decimal.
        func megabytes() throws -> String {
            let flavors = try config.load().flavors
            guard let profile = flavors[flavor] else {
                throw ValidationError("unknown flavor '\(flavor)' (the flavors file has \(flavors.keys.sorted().joined(separator: ", ")))")
            }
            guard let size = profile.imageMegabytes(forContentBytes: contentBytes) else {
                throw ValidationError("flavor '\(flavor)' has no image_mb in its profile")
            }
            return String(format: "%.1f", size)
        }
    }
}
