# The web client, compiled into rtai_server as Qt resources under :/web (served at / and
# /assets/* by the server). The vendored libraries in web/assets/vendor are committed, refreshed
# by web/update-vendor.sh from the pinned npm packages: the build needs no network.
qt_add_resources(rtai_server "web"
    PREFIX "/web"
    BASE ${CMAKE_CURRENT_LIST_DIR}/web
    FILES
        ${CMAKE_CURRENT_LIST_DIR}/web/index.html
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/app.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/app.css
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/markdown.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/highlight.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/marked/marked.esm.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/marked/LICENSE
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/dompurify/purify.es.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/dompurify/LICENSE
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/dompurify/LICENSE-MPL
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/highlight/core.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/highlight/languages/bash.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/highlight/languages/c.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/highlight/languages/cpp.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/highlight/languages/css.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/highlight/languages/diff.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/highlight/languages/go.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/highlight/languages/java.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/highlight/languages/javascript.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/highlight/languages/json.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/highlight/languages/markdown.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/highlight/languages/plaintext.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/highlight/languages/python.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/highlight/languages/rust.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/highlight/languages/shell.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/highlight/languages/sql.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/highlight/languages/typescript.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/highlight/languages/xml.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/highlight/languages/yaml.js
        ${CMAKE_CURRENT_LIST_DIR}/web/assets/vendor/highlight/LICENSE
)
