package dev.ferry.client.admin;

import java.util.List;

/**
 * A consumer group as its coordinator describes it.
 *
 * @param groupId the group
 * @param state EMPTY, ASSIGNING, RECONCILING, STABLE or DEAD
 * @param groupEpoch the group's epoch
 * @param assignor the server-side assignor ("range" or "sticky")
 * @param members its members
 * @param coordinatorId the node coordinating it
 */
public record GroupDescription(String groupId, String state, int groupEpoch, String assignor,
                               List<MemberDescription> members, int coordinatorId) {
    /** Copies the list. */
    public GroupDescription {
        members = List.copyOf(members);
    }
}
