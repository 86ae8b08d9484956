#include "llm/LlmRetryPolicy.h"

#include <QTest>

using namespace Qt::StringLiterals;

namespace {

LlmFailure retryable(qint64 retryAfterMs = -1) {
    LlmFailure failure;
    failure.error = LlmError{LlmError::Kind::Unavailable, u"the server answered 503"_s};
    failure.retryable = true;
    failure.retryAfterMs = retryAfterMs;
    return failure;
}

qint64 noJitter(qint64) {
    return 0;
}

qint64 fullJitter(qint64 bound) {
    return bound;
}

} // namespace

class TestLlmRetryPolicy : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void backoffDoublesWithJitterInTheUpperHalf() {
        LlmSettings settings;
        settings.retryBaseDelayMs = 500;
        settings.maxRetries = 10;
        QCOMPARE(LlmRetryPolicy::decide(retryable(), 1, false, settings, noJitter).delayMs, 250);
        QCOMPARE(LlmRetryPolicy::decide(retryable(), 1, false, settings, fullJitter).delayMs, 500);
        QCOMPARE(LlmRetryPolicy::decide(retryable(), 3, false, settings, fullJitter).delayMs, 2000);
        const auto late = LlmRetryPolicy::decide(retryable(), 10, false, settings, fullJitter);
        QVERIFY(late.retry);
        QCOMPARE(late.delayMs, LlmRetryPolicy::maxBackoffMs);
    }

    void retryAfterIsHonouredUpToAMinute() {
        const LlmSettings settings;
        const auto wait = LlmRetryPolicy::decide(retryable(7000), 1, false, settings, fullJitter);
        QVERIFY(wait.retry);
        QCOMPARE(wait.delayMs, 7000);
        const auto tooLong =
            LlmRetryPolicy::decide(retryable(120000), 1, false, settings, noJitter);
        QVERIFY(!tooLong.retry);
        QVERIFY2(tooLong.error.message.contains(u"the server asked to wait"_s),
                 qPrintable(tooLong.error.message));
    }

    void noRetryOnceContentWasShownOrAttemptsAreUsedUp() {
        LlmSettings settings;
        settings.maxRetries = 3;
        QVERIFY(!LlmRetryPolicy::decide(retryable(), 1, true, settings, noJitter).retry);
        QVERIFY(LlmRetryPolicy::decide(retryable(), 3, false, settings, noJitter).retry);
        const auto spent = LlmRetryPolicy::decide(retryable(), 4, false, settings, noJitter);
        QVERIFY(!spent.retry);
        QCOMPARE(spent.error.message, u"the server answered 503 (after 4 attempts)"_s);
        LlmFailure permanent = retryable();
        permanent.retryable = false;
        const auto once = LlmRetryPolicy::decide(permanent, 1, false, settings, noJitter);
        QVERIFY(!once.retry);
        QCOMPARE(once.error.message, u"the server answered 503"_s);
        QCOMPARE(once.error.kind, LlmError::Kind::Unavailable);
    }
};

QTEST_GUILESS_MAIN(TestLlmRetryPolicy)
#include "tst_llmretrypolicy.moc"
