# mqtt_embed_files(TARGET FUNCTION_NAME FILE...) compiles the files' text into TARGET, reachable as
# `std::span<const mqtt::EmbeddedFile> FUNCTION_NAME()` (declare it where it is used). Paths are kept
# relative to the source tree so errors can name "scenarios/conformance/x.json".
set(MQTT_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/EmbedFilesScript.cmake)
function(mqtt_embed_files target function_name)
  set(files ${ARGN})
  set(output ${CMAKE_CURRENT_BINARY_DIR}/${function_name}_embedded.cpp)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DFUNCTION=${function_name} -DBASE=${PROJECT_SOURCE_DIR}
            "-DFILES=${files}" -P ${MQTT_EMBED_SCRIPT}
    DEPENDS ${files} ${MQTT_EMBED_SCRIPT}
    COMMENT "Embedding ${function_name}"
    VERBATIM)
  target_sources(${target} PRIVATE ${output})
endfunction()
