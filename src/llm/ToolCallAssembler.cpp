#include "llm/ToolCallAssembler.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QUuid>

using namespace Qt::StringLiterals;

void ToolCallAssembler::add(const QJsonArray &toolCallDeltas) {
    for (qsizetype position = 0; position < toolCallDeltas.size(); ++position) {
        const QJsonObject delta = toolCallDeltas.at(position).toObject();
        const QString id = delta.value("id"_L1).toString();

        // OpenAI always sends `index`; some compatible servers send whole calls without it.
        int index = -1;
        if (delta.value("index"_L1).isDouble()) {
            index = delta.value("index"_L1).toInt();
        } else if (!id.isEmpty()) {
            for (auto it = m_calls.cbegin(); it != m_calls.cend(); ++it) {
                if (it->id == id)
                    index = it.key();
            }
            if (index < 0)
                index = m_calls.isEmpty() ? 0 : m_calls.lastKey() + 1;
        } else {
            index = m_calls.isEmpty() ? int(position) : m_calls.lastKey();
        }

        ToolCall &call = m_calls[index];
        if (call.id.isEmpty())
            call.id = id;
        const QJsonObject function = delta.value("function"_L1).toObject();
        const QString name = function.value("name"_L1).toString();
        if (!name.isEmpty() && name != call.name)
            call.name += name;
        const QJsonValue arguments = function.value("arguments"_L1);
        if (arguments.isString()) {
            call.arguments += arguments.toString();
        } else if (arguments.isObject()) {
            call.arguments = QString::fromUtf8(
                QJsonDocument(arguments.toObject()).toJson(QJsonDocument::Compact));
        }
    }
}

bool ToolCallAssembler::isEmpty() const {
    return m_calls.isEmpty();
}

QList<ToolCall> ToolCallAssembler::calls() const {
    QList<ToolCall> result;
    result.reserve(m_calls.size());
    for (auto it = m_calls.cbegin(); it != m_calls.cend(); ++it) {
        ToolCall call = *it;
        if (call.id.isEmpty()) {
            QString &generated = m_generatedIds[it.key()];
            if (generated.isEmpty()) {
                generated = "call_"_L1 + QUuid::createUuid().toString(QUuid::Id128).left(24);
            }
            call.id = generated;
        }
        if (call.arguments.trimmed().isEmpty())
            call.arguments = u"{}"_s;
        result.append(call);
    }
    return result;
}

void ToolCallAssembler::clear() {
    m_calls.clear();
    m_generatedIds.clear();
}
