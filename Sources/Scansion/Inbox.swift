import ScansionCore
import Foundation
import XMPPCore

/// Counts script actions; each received stanza is stamped with the count at its arrival, so a receive
/// step can tell stanzas that arrived before an action from those that arrived after it.
final class ActionClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    var current: Int { lock.withLock { value } }

    /// Starts a new action and returns its number.
    func advance() -> Int { lock.withLock { value += 1; return value } }
}

/// What one script client received and has not consumed yet, in arrival order.
final class Inbox: @unchecked Sendable {
    struct Item {
        let stanza: Element
        /// The action count when it arrived.
        let epoch: Int
    }

    private let lock = NSLock()
    private let clock: ActionClock
    private var items: [Item] = []
    private var head = 0
    private var waiter: (id: Int, continuation: CheckedContinuation<Void, Never>)?
    private var nextWaiterID = 0

    init(clock: ActionClock) { self.clock = clock }

    /// Called by the connector for every stanza, as it arrives.
    func deliver(_ stanza: Element) {
        let waiting: CheckedContinuation<Void, Never>? = lock.withLock {
            items.append(Item(stanza: stanza, epoch: clock.current))
            let w = waiter?.continuation
            waiter = nil
            return w
        }
        waiting?.resume()
    }

    /// The oldest unconsumed stanza, consumed.
    func popFirst() -> Item? {
        lock.withLock {
            guard head < items.count else { return nil }
            let item = items[head]
            head += 1
            if head > 64 && head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
            return item
        }
    }

    /// The oldest unconsumed stanza, waiting for one until `deadline`; nil on timeout.
    func next(until deadline: ContinuousClock.Instant) async -> Item? {
        while true {
            if let item = popFirst() { return item }
            if ContinuousClock.now >= deadline { return nil }
            await waitForDelivery(until: deadline)
        }
    }

    /// Consumes the oldest unconsumed stanza for which `matches` is true, and the stale stanzas
    /// (arrived before action `staleBefore`) ahead of it; false, consuming nothing, when none matches.
    func takeFirst(droppingStaleBefore staleBefore: Int, where matches: (Element) -> Bool) -> Bool {
        lock.withLock {
            guard let index = items[head...].firstIndex(where: { matches($0.stanza) }) else { return false }
            var kept = items[head..<index].filter { $0.epoch >= staleBefore }
            kept.append(contentsOf: items[(index + 1)...])
            items = kept
            head = 0
            return true
        }
    }

    /// The oldest unconsumed stanza that arrived at or after action `epoch`, not consumed.
    func firstPending(notBefore epoch: Int) -> Element? {
        lock.withLock { items[head...].first { $0.epoch >= epoch }?.stanza }
    }

    private var hasItems: Bool { head < items.count }

    private func waitForDelivery(until deadline: ContinuousClock.Instant) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitSignal() }
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitSignal() async {
        let id: Int = lock.withLock { nextWaiterID += 1; return nextWaiterID }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = lock.withLock {
                    if hasItems || Task.isCancelled { return true }
                    waiter = (id, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let c: CheckedContinuation<Void, Never>? = lock.withLock {
                guard let w = waiter, w.id == id else { return nil }
                waiter = nil
                return w.continuation
            }
            c?.resume()
        }
    }
}
