import Foundation
import XMPPCore

/// The runner's barrier pings (`RunOptions.barrierJID`): their answers are taken out of the
/// stream before the script sees it, and wake whoever waits for them.
final class Barriers: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var counter = 0
    private var answered: Set<String> = []
    private var waiting: [String: CheckedContinuation<Void, Never>] = [:]
    static let prefix = "scansion-barrier-"

    func next() -> String { lock.withLock { counter += 1; return Self.prefix + String(counter) } }

    /// Whether `stanza` answers a barrier ping (it is then consumed).
    func answered(_ stanza: Element) -> Bool {
        guard stanza.name == "iq", let id = stanza.attribute("id"), id.hasPrefix(Self.prefix) else { return false }
        let c = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            if let c = waiting.removeValue(forKey: id) { return c }
            answered.insert(id)
            return nil
        }
        c?.resume()
        return true
    }

    func cancel(_ id: String) { _ = lock.withLock { answered.insert(id) } }

    /// Waits until the answer to `id` arrived, at most `timeout`.
    func wait(_ id: String, timeout: Duration) async {
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.release(id)
        }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now: Bool = lock.withLock {
                if answered.remove(id) != nil { return true }
                waiting[id] = c
                return false
            }
            if now { c.resume() }
        }
        timer.cancel()
    }

    private func release(_ id: String) {
        let c = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            if let c = waiting.removeValue(forKey: id) { return c }
            answered.insert(id)
            return nil
        }
        c?.resume()
    }
}
