#pragma once

#include <QThread>
#include <functional>

class LlmClient;
class SessionManager;
class SessionService;

// One network thread: an event loop of its own for the WebSocket connections routed to it, with
// their sessions, conversations and LLM streams. Its parts are made by the factory on the thread
// that constructs it, under a home object that then moves to the network thread: from then on
// they are used only there (post()), and they are deleted there.
class NetworkThread {
public:
    struct Parts {
        SessionService *sessions = nullptr;
        SessionManager *connections = nullptr;
        LlmClient *llm = nullptr;
    };
    // Makes the parts, children of `home` (the factory may also connect them).
    using Factory = std::function<Parts(QObject *home)>;

    NetworkThread(int index, const Factory &make);
    // Deletes the parts on the network thread (connections, then sessions, then the rest), then
    // stops it. Blocks until then: only at the end of the program's server.
    ~NetworkThread();
    NetworkThread(const NetworkThread &) = delete;
    NetworkThread &operator=(const NetworkThread &) = delete;

    int index() const { return m_index; }
    QThread *eventThread() { return &m_thread; }
    // The parts' addresses, for connections and for posting to; call their methods only in a
    // job run by post().
    const Parts &parts() const { return m_parts; }
    // Runs `job` on the network thread.
    void post(std::function<void(const Parts &)> job) const;

private:
    int m_index;
    QThread m_thread;
    QObject *m_home;
    Parts m_parts;
};
