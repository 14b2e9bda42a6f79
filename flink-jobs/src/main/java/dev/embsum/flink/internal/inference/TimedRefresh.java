package dev.embsum.flink.internal.inference;

import dev.embsum.avro.UserEmbedding;
import dev.embsum.avro.state.RefreshRequest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.streaming.api.functions.async.CollectionSupplier;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Runs the user-refresh async function unchanged and tags each embedding it produces with its
 * request's {@code first_pending_at_ms} ({@link TimedEmbedding}), for the refresh latency metric
 * of {@link VersionGuard}.
 *
 * <p>A decorator rather than a change to {@link UserRefreshFunction}: the refresh function stays
 * about inference only. It forwards the whole rich-function life cycle (runtime context, open,
 * close) and {@link #timeout}; a wrapped function that needs more hooks than these (e.g.
 * checkpointing) must be forwarded here too.
 */
public final class TimedRefresh extends RichAsyncFunction<RefreshRequest, TimedEmbedding> {

    private static final long serialVersionUID = 1L;

    private final RichAsyncFunction<RefreshRequest, UserEmbedding> refresh;

    public TimedRefresh(RichAsyncFunction<RefreshRequest, UserEmbedding> refresh) {
        this.refresh = Objects.requireNonNull(refresh, "refresh");
    }

    @Override
    public void setRuntimeContext(RuntimeContext context) {
        super.setRuntimeContext(context);
        refresh.setRuntimeContext(context);
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        refresh.open(openContext);
    }

    @Override
    public void close() throws Exception {
        refresh.close();
    }

    @Override
    public void asyncInvoke(RefreshRequest request, ResultFuture<TimedEmbedding> result) throws Exception {
        refresh.asyncInvoke(request, tagging(request, result));
    }

    @Override
    public void timeout(RefreshRequest request, ResultFuture<TimedEmbedding> result) throws Exception {
        refresh.timeout(request, tagging(request, result));
    }

    private static ResultFuture<UserEmbedding> tagging(RefreshRequest request, ResultFuture<TimedEmbedding> result) {
        long firstPendingAtMs = request.getFirstPendingAtMs();
        return new ResultFuture<>() {
            @Override
            public void complete(Collection<UserEmbedding> embeddings) {
                result.complete(tag(embeddings, firstPendingAtMs));
            }

            @Override
            public void complete(CollectionSupplier<UserEmbedding> embeddings) {
                result.complete(() -> tag(embeddings.get(), firstPendingAtMs));
            }

            @Override
            public void completeExceptionally(Throwable error) {
                result.completeExceptionally(error);
            }
        };
    }

    private static List<TimedEmbedding> tag(Collection<UserEmbedding> embeddings, long firstPendingAtMs) {
        List<TimedEmbedding> out = new ArrayList<>(embeddings.size());
        for (UserEmbedding e : embeddings) {
            out.add(new TimedEmbedding(e, firstPendingAtMs));
        }
        return out;
    }
}
