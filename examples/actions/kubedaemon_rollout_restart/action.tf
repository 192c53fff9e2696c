# The log collector reads its configuration from a ConfigMap, which is not part of its pod template:
# without a restart its pods keep the old configuration. Here the configuration's content is the
# trigger; with the hashicorp/kubernetes provider, put the same lifecycle block on the
# kubernetes_config_map itself.
variable "fluent_bit_conf" {
  type        = string
  description = "The content of fluent-bit.conf."
}

resource "terraform_data" "fluent_bit_conf" {
  input = sha256(var.fluent_bit_conf)

  lifecycle {
    action_trigger {
      events  = [after_update]
      actions = [action.kubedaemon_rollout_restart.fluent_bit]
    }
  }
}

action "kubedaemon_rollout_restart" "fluent_bit" {
  config {
    namespace = "logging"
    name      = "fluent-bit" # or id = kubedaemon_node_agent.fluent_bit.id
    timeout   = "15m"
  }
}

# Or restart it by hand, with the same per-node wait and its progress:
#   terraform apply -invoke=action.kubedaemon_rollout_restart.fluent_bit
