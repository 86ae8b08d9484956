# rtai_storage: the database thread, the stores and the migrations.
# It links exactly the modules ARCHITECTURE.md lets it use.
add_library(rtai_storage STATIC
    storage/Database.h storage/Database.cpp
    storage/DatabaseTask.h
    storage/DatabaseUrl.h storage/DatabaseUrl.cpp
    storage/DatabaseWorker.h storage/DatabaseWorker.cpp
    storage/InstanceLease.h
    storage/InstanceStore.h storage/InstanceStore.cpp
    storage/MigrationRunner.h storage/MigrationRunner.cpp
    storage/OwnerChangeListener.h storage/OwnerChangeListener.cpp
    storage/PostgresDialect.h storage/PostgresDialect.cpp
    storage/SessionPage.h
    storage/SessionMatch.h
    storage/SessionQuery.h
    storage/SessionSearchPage.h
    storage/SessionSearchQuery.h
    storage/SessionSearchStore.h storage/SessionSearchStore.cpp
    storage/SessionStore.h storage/SessionStore.cpp
    storage/SessionUsageStore.h storage/SessionUsageStore.cpp
    storage/SessionClaim.h
    storage/SessionOwnership.h storage/SessionOwnership.cpp
    storage/SqlDialect.h
    storage/SqlFailure.h
    storage/SqlStore.h storage/SqlStore.cpp
    storage/SqliteDialect.h storage/SqliteDialect.cpp
    storage/StorageError.h storage/StorageError.cpp
    storage/WriteOp.h
)

# The migrations, compiled in: :/sql/postgres/NNN_name.sql and :/sql/sqlite/NNN_name.sql.
file(GLOB rtai_migrations
     CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/sql/postgres/*.sql ${PROJECT_SOURCE_DIR}/sql/sqlite/*.sql)
qt_add_resources(rtai_storage "rtai_migrations"
    PREFIX "/"
    BASE ${PROJECT_SOURCE_DIR}
    FILES ${rtai_migrations})
target_include_directories(rtai_storage PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(rtai_storage PUBLIC rtai_core Qt6::Sql Qt6::Concurrent)
