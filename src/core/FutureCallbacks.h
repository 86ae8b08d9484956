#pragma once

#include <QException>
#include <QFuture>
#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <exception>
#include <type_traits>

// Completion callbacks of a QFuture that belong to a QObject: onResult(value) (or onResult() for
// QFuture<void>) when it succeeds, onError(message) when it fails or is cancelled, both on
// context's thread and never once context is destroyed.
//
// Use this instead of QFuture::then(context, …).onFailed(context, …): in Qt 6.4 a continuation
// whose context is destroyed before the future finishes asserts (only Qt 6.6 cancels it), and a
// database or LLM answer arriving during shutdown does exactly that. Here a QFutureWatcher owned
// by the context watches the future, so a destroyed context simply means no callback. Callbacks
// always run from the event loop, even for a future that has already finished.

// The message of a failed future's exception.
QString futureErrorText(const QException &error);

template <typename T, typename OnResult, typename OnError>
void whenFinished(QObject *context, const QFuture<T> &future, OnResult &&onResult,
                  OnError &&onError) {
    auto *watcher = new QFutureWatcher<T>(context);
    QObject::connect(watcher, &QFutureWatcherBase::finished, watcher,
                     [watcher, onResult = std::forward<OnResult>(onResult),
                      onError = std::forward<OnError>(onError)]() mutable {
                         watcher->deleteLater();
                         QFuture<T> done = watcher->future();
                         try {
                             done.waitForFinished(); // rethrows the future's exception
                         } catch (const QException &error) {
                             onError(futureErrorText(error));
                             return;
                         } catch (const std::exception &error) {
                             onError(QString::fromUtf8(error.what()));
                             return;
                         }
                         if constexpr (std::is_void_v<T>) {
                             if (done.isCanceled())
                                 onError(QStringLiteral("the operation was cancelled"));
                             else
                                 onResult();
                         } else {
                             if (done.isCanceled() || done.resultCount() == 0)
                                 onError(QStringLiteral("the operation was cancelled"));
                             else
                                 onResult(done.result());
                         }
                     });
    watcher->setFuture(future);
}
