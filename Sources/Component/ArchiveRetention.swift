import Foundation
import Logging
import MUCConfig
import RoomStore
import XMPPCore

/// What the archive keeps: `[archive] retention_days` and `max_messages_per_room`.
public struct ArchiveRetentionPolicy: Sendable, Equatable {
    /// Seconds a message is kept; nil keeps it until its room is destroyed.
    public var maxAge: Double?
    /// Most messages a room keeps; nil is no bound.
    public var maxMessagesPerRoom: Int?

    public init(maxAge: Double?, maxMessagesPerRoom: Int?) {
        self.maxAge = maxAge
        self.maxMessagesPerRoom = maxMessagesPerRoom
    }

    public init(_ archive: Configuration.Archive) {
        self.init(maxAge: archive.retentionDays > 0 ? Double(archive.retentionDays) * 86_400 : nil,
                  maxMessagesPerRoom: archive.maxMessagesPerRoom > 0 ? archive.maxMessagesPerRoom : nil)
    }

    /// Whether there is anything to delete ever.
    public var deletes: Bool { maxAge != nil || maxMessagesPerRoom != nil }
}

/// Deletes what the policy no longer keeps, in batches of `batchSize` messages, each its own
/// short transaction: archive writes (and so deliveries) wait at most one batch, never the whole
/// job. Used by the service's background job and by `muc-component archive expire`.
public enum ArchiveRetention {
    /// Messages per delete transaction.
    public static let batchSize = 500

    /// Which rooms a pass checks against the per-room bound.
    public enum Rooms: Sendable {
        /// Every room that has an archive (the first pass after start, the operator's command).
        case all
        /// Only these (rooms that received messages since the last pass).
        case only(Set<BareJID>)
    }

    /// One pass: messages older than `now - maxAge` (oldest first, across rooms), then each room
    /// beyond its bound. Returns how many messages went for age and for the bound.
    public static func pass(_ store: any ArchiveStore, policy: ArchiveRetentionPolicy, now: Double, rooms: Rooms)
        async throws -> (expired: Int, trimmed: Int) {
        var expired = 0
        if let maxAge = policy.maxAge {
            while true {
                try Task.checkCancellation()
                let n = try await store.expire(before: now - maxAge, limit: batchSize)
                expired += n
                if n < batchSize { break }
                await Task.yield()
            }
        }
        var trimmed = 0
        if let keep = policy.maxMessagesPerRoom {
            switch rooms {
            case .only(let set):
                for room in set.sorted() { trimmed += try await trim(store, room: room, keeping: keep) }
            case .all:
                var cursor: BareJID? = nil
                while true {
                    let page = try await store.archivedRooms(after: cursor, limit: 500)
                    for room in page { trimmed += try await trim(store, room: room, keeping: keep) }
                    guard page.count == 500, let last = page.last else { break }
                    cursor = last
                }
            }
        }
        return (expired, trimmed)
    }

    private static func trim(_ store: any ArchiveStore, room: BareJID, keeping: Int) async throws -> Int {
        var trimmed = 0
        while true {
            try Task.checkCancellation()
            let n = try await store.trim(room: room, keeping: keeping, limit: batchSize)
            trimmed += n
            if n < batchSize { return trimmed }
            await Task.yield()
        }
    }

    /// The service's job: a pass over every archived room a minute after start, then every
    /// `interval` seconds over the rooms `touched` returns (those that archived messages since);
    /// until cancelled. A failed pass is logged and tried again at the next interval.
    static func run(_ store: any ArchiveStore, policy: ArchiveRetentionPolicy, firstDelay: Double = 60, interval: Double = 600,
                    touched: @escaping @Sendable () async -> Set<BareJID>, logger: Logger) async {
        guard policy.deletes else { return }
        var rooms = Rooms.all
        var delay = firstDelay
        while true {
            do { try await Task.sleep(nanoseconds: UInt64(delay * 1e9)) } catch { return }
            let started = Date()
            do {
                let (expired, trimmed) = try await pass(store, policy: policy, now: started.timeIntervalSince1970, rooms: rooms)
                if expired + trimmed > 0 {
                    logger.info("archive retention: \(expired) messages older than the retention period and \(trimmed) beyond rooms' bound deleted in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
                }
                rooms = .only(await touched())
            } catch is CancellationError {
                return
            } catch {
                // The rooms touched meanwhile are taken again at the next full pass.
                logger.error("archive retention failed, trying again in \(Int(interval)) s: \(error)")
                rooms = .all
            }
            delay = interval
        }
    }
}
