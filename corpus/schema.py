"""The MLMD SQLite schema (version 10) and the TFX type vocabulary the corpus registers.

The DDL is MLMD's own (as ml-metadata 1.x creates it), so the generated file is a store that
ml-metadata opens without migration. Types are registered as TFX registers them: the built-in
`mlmd.*` system types first, then contexts, then component and artifact types by class path.
"""

from mlprov.loader.operators import default_map
from mlprov.loader.vocabulary import (
    ARTIFACT_STATE_CODES, EVENT_TYPE_CODES, EXECUTION_STATE_CODES, TYPE_KIND_ARTIFACT, TYPE_KIND_EXECUTION,
)

SCHEMA_VERSION = 10

DDL = """
CREATE TABLE `Type` ( `id` INTEGER PRIMARY KEY AUTOINCREMENT, `name` VARCHAR(255) NOT NULL, `version` VARCHAR(255), `type_kind` TINYINT(1) NOT NULL, `description` TEXT, `input_type` TEXT, `output_type` TEXT, `external_id` VARCHAR(255) UNIQUE );
CREATE TABLE `TypeProperty` ( `type_id` INT NOT NULL, `name` VARCHAR(255) NOT NULL, `data_type` INT NULL, PRIMARY KEY (`type_id`, `name`));
CREATE TABLE `ParentType` ( `type_id` INT NOT NULL, `parent_type_id` INT NOT NULL, PRIMARY KEY (`type_id`, `parent_type_id`));
CREATE TABLE `Artifact` ( `id` INTEGER PRIMARY KEY AUTOINCREMENT, `type_id` INT NOT NULL, `uri` TEXT, `state` INT, `name` VARCHAR(255), `external_id` VARCHAR(255) UNIQUE, `create_time_since_epoch` INT NOT NULL DEFAULT 0, `last_update_time_since_epoch` INT NOT NULL DEFAULT 0, UNIQUE(`type_id`, `name`) );
CREATE TABLE `ArtifactProperty` ( `artifact_id` INT NOT NULL, `name` VARCHAR(255) NOT NULL, `is_custom_property` TINYINT(1) NOT NULL, `int_value` INT, `double_value` DOUBLE, `string_value` TEXT, `byte_value` BLOB, `proto_value` BLOB, `bool_value` BOOLEAN, PRIMARY KEY (`artifact_id`, `name`, `is_custom_property`));
CREATE TABLE `Execution` ( `id` INTEGER PRIMARY KEY AUTOINCREMENT, `type_id` INT NOT NULL, `last_known_state` INT, `name` VARCHAR(255), `external_id` VARCHAR(255) UNIQUE, `create_time_since_epoch` INT NOT NULL DEFAULT 0, `last_update_time_since_epoch` INT NOT NULL DEFAULT 0, UNIQUE(`type_id`, `name`) );
CREATE TABLE `ExecutionProperty` ( `execution_id` INT NOT NULL, `name` VARCHAR(255) NOT NULL, `is_custom_property` TINYINT(1) NOT NULL, `int_value` INT, `double_value` DOUBLE, `string_value` TEXT, `byte_value` BLOB, `proto_value` BLOB, `bool_value` BOOLEAN, PRIMARY KEY (`execution_id`, `name`, `is_custom_property`));
CREATE TABLE `Event` ( `id` INTEGER PRIMARY KEY AUTOINCREMENT, `artifact_id` INT NOT NULL, `execution_id` INT NOT NULL, `type` INT NOT NULL, `milliseconds_since_epoch` INT, UNIQUE(`artifact_id`, `execution_id`, `type`) );
CREATE TABLE `EventPath` ( `event_id` INT NOT NULL, `is_index_step` TINYINT(1) NOT NULL, `step_index` INT, `step_key` TEXT );
CREATE TABLE `MLMDEnv` ( `schema_version` INTEGER PRIMARY KEY );
CREATE TABLE `Context` ( `id` INTEGER PRIMARY KEY AUTOINCREMENT, `type_id` INT NOT NULL, `name` VARCHAR(255) NOT NULL, `external_id` VARCHAR(255) UNIQUE, `create_time_since_epoch` INT NOT NULL DEFAULT 0, `last_update_time_since_epoch` INT NOT NULL DEFAULT 0, UNIQUE(`type_id`, `name`) );
CREATE TABLE `ContextProperty` ( `context_id` INT NOT NULL, `name` VARCHAR(255) NOT NULL, `is_custom_property` TINYINT(1) NOT NULL, `int_value` INT, `double_value` DOUBLE, `string_value` TEXT, `byte_value` BLOB, `proto_value` BLOB, `bool_value` BOOLEAN, PRIMARY KEY (`context_id`, `name`, `is_custom_property`));
CREATE TABLE `ParentContext` ( `context_id` INT NOT NULL, `parent_context_id` INT NOT NULL, PRIMARY KEY (`context_id`, `parent_context_id`));
CREATE TABLE `Association` ( `id` INTEGER PRIMARY KEY AUTOINCREMENT, `context_id` INT NOT NULL, `execution_id` INT NOT NULL, UNIQUE(`context_id`, `execution_id`) );
CREATE TABLE `Attribution` ( `id` INTEGER PRIMARY KEY AUTOINCREMENT, `context_id` INT NOT NULL, `artifact_id` INT NOT NULL, UNIQUE(`context_id`, `artifact_id`) );
CREATE INDEX `idx_artifact_uri` ON `Artifact`(`uri`);
CREATE INDEX `idx_artifact_create_time_since_epoch` ON `Artifact`(`create_time_since_epoch`);
CREATE INDEX `idx_artifact_last_update_time_since_epoch` ON `Artifact`(`last_update_time_since_epoch`);
CREATE INDEX `idx_event_execution_id` ON `Event`(`execution_id`);
CREATE INDEX `idx_parentcontext_parent_context_id` ON `ParentContext`(`parent_context_id`);
CREATE INDEX `idx_type_name` ON `Type`(`name`);
CREATE INDEX `idx_execution_create_time_since_epoch` ON `Execution`(`create_time_since_epoch`);
CREATE INDEX `idx_execution_last_update_time_since_epoch` ON `Execution`(`last_update_time_since_epoch`);
CREATE INDEX `idx_context_create_time_since_epoch` ON `Context`(`create_time_since_epoch`);
CREATE INDEX `idx_context_last_update_time_since_epoch` ON `Context`(`last_update_time_since_epoch`);
CREATE INDEX `idx_eventpath_event_id` ON `EventPath`(`event_id`);
CREATE INDEX `idx_artifact_property_int` ON `ArtifactProperty`(`name`, `is_custom_property`, `int_value`) WHERE `int_value` IS NOT NULL;
CREATE INDEX `idx_artifact_property_double` ON `ArtifactProperty`(`name`, `is_custom_property`, `double_value`) WHERE `double_value` IS NOT NULL;
CREATE INDEX `idx_artifact_property_string` ON `ArtifactProperty`(`name`, `is_custom_property`, `string_value`) WHERE `string_value` IS NOT NULL;
CREATE INDEX `idx_execution_property_int` ON `ExecutionProperty`(`name`, `is_custom_property`, `int_value`) WHERE `int_value` IS NOT NULL;
CREATE INDEX `idx_execution_property_double` ON `ExecutionProperty`(`name`, `is_custom_property`, `double_value`) WHERE `double_value` IS NOT NULL;
CREATE INDEX `idx_execution_property_string` ON `ExecutionProperty`(`name`, `is_custom_property`, `string_value`) WHERE `string_value` IS NOT NULL;
CREATE INDEX `idx_context_property_int` ON `ContextProperty`(`name`, `is_custom_property`, `int_value`) WHERE `int_value` IS NOT NULL;
CREATE INDEX `idx_context_property_double` ON `ContextProperty`(`name`, `is_custom_property`, `double_value`) WHERE `double_value` IS NOT NULL;
CREATE INDEX `idx_context_property_string` ON `ContextProperty`(`name`, `is_custom_property`, `string_value`) WHERE `string_value` IS NOT NULL;
CREATE INDEX `idx_type_external_id` ON `Type`(`external_id`);
CREATE INDEX `idx_artifact_external_id` ON `Artifact`(`external_id`);
CREATE INDEX `idx_execution_external_id` ON `Execution`(`external_id`);
CREATE INDEX `idx_context_external_id` ON `Context`(`external_id`);
"""

# The Execution.last_known_state, Event.type and Artifact.state values the generator writes, by
# MLMD's numbers (loader/vocabulary.py, the one copy).
RUNNING, COMPLETE, FAILED, CACHED, CANCELED = (
    EXECUTION_STATE_CODES[name] for name in ("RUNNING", "COMPLETE", "FAILED", "CACHED", "CANCELED"))
INPUT, OUTPUT, INTERNAL_OUTPUT = (EVENT_TYPE_CODES[name] for name in ("INPUT", "OUTPUT", "INTERNAL_OUTPUT"))
ARTIFACT_LIVE = ARTIFACT_STATE_CODES["LIVE"]

# TypeProperty.data_type (metadata_store.proto PropertyType): only the generator writes TypeProperty.
INT, DOUBLE, STRING = 1, 2, 3

SYSTEM_TYPES = [
    ("mlmd.Dataset", TYPE_KIND_ARTIFACT),
    ("mlmd.Model", TYPE_KIND_ARTIFACT),
    ("mlmd.Metrics", TYPE_KIND_ARTIFACT),
    ("mlmd.Statistics", TYPE_KIND_ARTIFACT),
    ("mlmd.Train", TYPE_KIND_EXECUTION),
    ("mlmd.Transform", TYPE_KIND_EXECUTION),
    ("mlmd.Process", TYPE_KIND_EXECUTION),
    ("mlmd.Evaluate", TYPE_KIND_EXECUTION),
    ("mlmd.Deploy", TYPE_KIND_EXECUTION),
]

CONTEXT_TYPES = ["pipeline", "pipeline_run", "node", "execution_cache"]

# TFX component class paths the corpus runs, with their system parent type, by operator: the name
# the loader's operator map (loader/operators.toml, the one definition) gives the class path, so the
# generator, its ground truth and the loaded graph all call a component the same.
COMPONENT_TYPES = {default_map().operator(class_path): (class_path, parent) for class_path, parent in (
    ("tfx.components.example_gen.csv_example_gen.component.CsvExampleGen", None),
    ("tfx.components.statistics_gen.component.StatisticsGen", "mlmd.Process"),
    ("tfx.components.schema_gen.component.SchemaGen", "mlmd.Process"),
    ("tfx.components.example_validator.component.ExampleValidator", None),
    ("tfx.components.transform.component.Transform", "mlmd.Transform"),
    ("tfx.components.tuner.component.Tuner", None),
    ("tfx.components.trainer.component.Trainer", "mlmd.Train"),
    ("tfx.components.evaluator.component.Evaluator", "mlmd.Evaluate"),
    ("tfx.components.infra_validator.component.InfraValidator", None),
    ("tfx.components.pusher.component.Pusher", "mlmd.Deploy"),
    ("tfx.dsl.components.common.resolver.Resolver", None),
)}

# Artifact type -> (declared properties with their data type, system parent type).
ARTIFACT_TYPES = {
    "Examples": ({"span": INT, "split_names": STRING, "version": INT}, "mlmd.Dataset"),
    "ExampleStatistics": ({"span": INT, "split_names": STRING}, "mlmd.Statistics"),
    "Schema": ({}, None),
    "ExampleAnomalies": ({"span": INT, "split_names": STRING}, None),
    "TransformGraph": ({}, None),
    "HyperParameters": ({}, None),
    "Model": ({}, "mlmd.Model"),
    "ModelRun": ({}, None),
    "ModelEvaluation": ({}, None),
    "ModelBlessing": ({}, None),
    "InfraBlessing": ({}, None),
    "PushedModel": ({}, "mlmd.Model"),
}
