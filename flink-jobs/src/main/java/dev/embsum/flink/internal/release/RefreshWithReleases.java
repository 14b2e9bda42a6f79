package dev.embsum.flink.internal.release;

import dev.embsum.avro.state.RefreshOrRelease;
import dev.embsum.avro.state.RefreshRequest;
import dev.embsum.avro.state.VerifiedRelease;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Puts the model-release broadcast into the refresh-request stream, in arrival order, just
 * upstream of refresh-users (connected by a forward edge, so each refresh-users subtask receives
 * every release exactly once, between the requests it arrived between). The async operator swaps
 * models at that point: requests before the release run on the old model, requests after it on
 * the new one.
 *
 * <p>State: broadcast state {@link Releases#broadcastState()} (the newest release; kept for the
 * planned backfill of all users after a swap, which starts from the same broadcast).
 */
public final class RefreshWithReleases extends BroadcastProcessFunction<RefreshRequest, VerifiedRelease, RefreshOrRelease> {

    private static final long serialVersionUID = 1L;

    private final MapStateDescriptor<String, VerifiedRelease> releaseState = Releases.broadcastState();

    @Override
    public void processElement(RefreshRequest request, ReadOnlyContext ctx, Collector<RefreshOrRelease> out) {
        out.collect(RefreshOrRelease.newBuilder().setRequest(request).setRelease(null).build());
    }

    @Override
    public void processBroadcastElement(VerifiedRelease release, Context ctx, Collector<RefreshOrRelease> out)
            throws Exception {
        ctx.getBroadcastState(releaseState).put(Releases.CURRENT, release);
        out.collect(RefreshOrRelease.newBuilder().setRequest(null).setRelease(release).build());
    }
}
