import Foundation
import ServiceLifecycle

/// The groups and their tasks, appended to from the demo's task and read when stopping.
final class LockedApplications: @unchecked Sendable {
    // @unchecked: both arrays are only touched under `lock`.
    private let lock = NSLock()
    private var storedGroups: [ServiceGroup] = []
    private var storedTasks: [Task<Void, any Error>] = []

    func add(_ group: ServiceGroup) { lock.withLock { storedGroups.append(group) } }
    func add(_ task: Task<Void, any Error>) { lock.withLock { storedTasks.append(task) } }
    var groups: [ServiceGroup] { lock.withLock { storedGroups } }
    var tasks: [Task<Void, any Error>] { lock.withLock { storedTasks } }
}
