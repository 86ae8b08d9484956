#include "core/FutureCallbacks.h"

#include <QUnhandledException>

using namespace Qt::StringLiterals;

QString futureErrorText(const QException &error) {
    if (const auto *unhandled = dynamic_cast<const QUnhandledException *>(&error)) {
        try {
            if (unhandled->exception())
                std::rethrow_exception(unhandled->exception());
        } catch (const std::exception &inner) {
            return QString::fromUtf8(inner.what());
        } catch (...) {
        }
        return u"an unknown error"_s;
    }
    return QString::fromUtf8(error.what());
}
