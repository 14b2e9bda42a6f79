package dev.embsum.flink.internal;

import java.time.Duration;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.state.FunctionInitializationContext;

/**
 * How the job's functions declare their state. State names, types and TTLs are part of every
 * savepoint, so a function must keep all three once released (SavepointCompatibilityTest).
 */
public final class States {

    private States() {}

    /** An operator ListState of {@code type} whose entries are split among the subtasks. */
    public static <T> ListState<T> operatorList(
            FunctionInitializationContext context, String name, Class<T> type) throws Exception {
        return context.getOperatorStateStore().getListState(listDescriptor(name, type));
    }

    /** An operator ListState of {@code type} that every subtask restores whole. */
    public static <T> ListState<T> unionList(
            FunctionInitializationContext context, String name, Class<T> type) throws Exception {
        return context.getOperatorStateStore().getUnionListState(listDescriptor(name, type));
    }

    /**
     * A keyed value that expires {@code ttl} after it was last written, and is never read once
     * expired: a user's history and what depends on it live as long as their clicks keep coming.
     */
    public static <T> ValueStateDescriptor<T> expiringValue(
            String name, TypeInformation<T> type, Duration ttl) {
        ValueStateDescriptor<T> descriptor = new ValueStateDescriptor<>(name, type);
        descriptor.enableTimeToLive(
                StateTtlConfig.newBuilder(ttl)
                        .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                        .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                        .build());
        return descriptor;
    }

    private static <T> ListStateDescriptor<T> listDescriptor(String name, Class<T> type) {
        return new ListStateDescriptor<>(name, TypeInformation.of(type));
    }
}
