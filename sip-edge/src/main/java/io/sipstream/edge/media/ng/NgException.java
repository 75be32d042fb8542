package io.sipstream.edge.media.ng;

/** An ng request that got no answer in time, or an answer rtpengine marked as an error (its reason, as it said it). */
public final class NgException extends Exception {
    private final boolean noAnswer;

    public NgException(String message, boolean noAnswer) {
        super(message);
        this.noAnswer = noAnswer;
    }

    /** True when the instance did not answer at all (it is then skipped until a ping finds it again). */
    public boolean noAnswer() { return noAnswer; }
}
