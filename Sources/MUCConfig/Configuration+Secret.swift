extension Configuration {
    /// Largest secret file read.
    static let maxSecretFileBytes = 64 * 1024

    /// The component secret, from the source the configuration names:
    /// - `secret`: the string itself;
    /// - `secret_file`: the file's content with trailing line breaks (`\n`, `\r\n`) removed; a
    ///   relative path is relative to the working directory;
    /// - `secret_env`: the variable's value in `environment`, exactly as set.
    ///
    /// Errors name the key and say what to do: the file is missing or unreadable, the variable is
    /// unset, or the secret is empty. They carry no file or line: the source was already checked.
    public func resolveSecret(environment: [String: String]) throws(ConfigError) -> String {
        switch component.secret {
        case .literal(let secret):
            guard !secret.isEmpty else {
                throw ConfigError(key: "component.secret", message:
                    "no component secret: set one of 'component.secret', 'component.secret_file' or 'component.secret_env' to provide the secret of the XMPP server's component entry")
            }
            return secret

        case .file(let path):
            let key = "component.secret_file"
            guard !path.isEmpty else {
                throw ConfigError(key: key, message: "'\(key)' is empty: set it to the path of a file holding the component secret")
            }
            let bytes: [UInt8]
            do throws(FileReading.Failure) {
                bytes = try FileReading.contents(of: path, limit: Self.maxSecretFileBytes)
            } catch {
                throw ConfigError(key: key, message: "cannot read the secret file '\(path)' named by '\(key)': \(error.reason)"
                    + Self.advice(for: error))
            }
            guard let content = String(validUTF8: bytes) else {
                throw ConfigError(key: key, message: "the secret file '\(path)' named by '\(key)' is not valid UTF-8 text")
            }
            var secret = Substring(content)
            while let last = secret.last, last == "\n" || last == "\r" || last == "\r\n" { secret = secret.dropLast() }
            guard !secret.isEmpty else {
                throw ConfigError(key: key, message: "the secret file '\(path)' named by '\(key)' is empty: write the component secret into it")
            }
            return String(secret)

        case .environment(let name):
            let key = "component.secret_env"
            guard !name.isEmpty else {
                throw ConfigError(key: key, message: "'\(key)' is empty: set it to the name of the environment variable holding the component secret")
            }
            guard let secret = environment[name] else {
                throw ConfigError(key: key, message: "the environment variable \(name) named by '\(key)' is not set: export it with the component secret before starting the service")
            }
            guard !secret.isEmpty else {
                throw ConfigError(key: key, message: "the environment variable \(name) named by '\(key)' is empty: set it to the component secret")
            }
            return secret
        }
    }

    private static func advice(for failure: FileReading.Failure) -> String {
        switch failure {
        case .noSuchFile: return " (create it holding the secret of the XMPP server's component entry, or fix the path)"
        case .permissionDenied: return " (let the user running the service read it, e.g. with chmod or chown)"
        case .isDirectory: return " (point it at the file holding the secret)"
        case .tooLarge: return " (it should hold only the secret)"
        case .other: return ""
        }
    }
}

extension Configuration {
    /// The PostgreSQL password from `storage.postgres_password_file` or `storage.postgres_password_env`;
    /// nil when neither is set (the server then has to trust the connection).
    public func resolvePostgresPassword(environment: [String: String]) throws(ConfigError) -> String? {
        if !storage.postgresPasswordFile.isEmpty {
            let key = "storage.postgres_password_file"
            let path = storage.postgresPasswordFile
            let bytes: [UInt8]
            do throws(FileReading.Failure) {
                bytes = try FileReading.contents(of: path, limit: Self.maxSecretFileBytes)
            } catch {
                throw ConfigError(key: key, message: "cannot read the PostgreSQL password file '\(path)' named by '\(key)': \(error.reason)")
            }
            guard let content = String(validUTF8: bytes) else {
                throw ConfigError(key: key, message: "the PostgreSQL password file '\(path)' is not valid UTF-8 text")
            }
            var password = Substring(content)
            while let last = password.last, last == "\n" || last == "\r" || last == "\r\n" { password = password.dropLast() }
            return String(password)
        }
        if !storage.postgresPasswordEnv.isEmpty {
            let key = "storage.postgres_password_env"
            guard let password = environment[storage.postgresPasswordEnv] else {
                throw ConfigError(key: key, message: "the environment variable \(storage.postgresPasswordEnv) named by '\(key)' is not set: export it with the PostgreSQL password before starting the service")
            }
            return password
        }
        return nil
    }
}
