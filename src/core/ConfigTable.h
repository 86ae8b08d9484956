#pragma once

#include "core/ConfigSetting.h"

#include <QList>

// Every setting, in README's order. ConfigLoader reads them, SettingsDialog edits some, --help
// lists their options, and tst_configtable checks README's configuration table against them.
class ConfigTable {
public:
    static const QList<ConfigSetting> &settings();
    static const ConfigSetting &setting(ConfigSetting::Id id);
};
