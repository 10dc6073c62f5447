"""Plausible Danish names (frequent names from Danmarks Statistik's lists) and trades for demo data."""
FEMALE = ["Anne", "Mette", "Kirsten", "Hanne", "Anna", "Helle", "Susanne", "Lene", "Maria", "Marianne", "Lone",
          "Camilla", "Pia", "Louise", "Charlotte", "Tina", "Gitte", "Bente", "Karen", "Inge", "Julie", "Sofie",
          "Emma", "Ida", "Laura", "Mathilde", "Sara", "Fatima", "Aisha", "Amina", "Zeynep", "Agnieszka", "Birgitte",
          "Dorthe", "Jette", "Rikke", "Malene", "Heidi", "Stine", "Signe"]
MALE = ["Peter", "Michael", "Lars", "Jens", "Thomas", "Henrik", "Søren", "Christian", "Martin", "Jan", "Niels",
        "Anders", "Morten", "Jesper", "Mads", "Rasmus", "Per", "Hans", "Ole", "Kim", "Frederik", "Mikkel", "Jonas",
        "Mohammed", "Ali", "Ahmad", "Tomasz", "Kasper", "Bo", "Allan"]
LAST = ["Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen",
        "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen", "Poulsen", "Johansen",
        "Møller", "Mortensen", "Knudsen", "Jakobsen", "Mikkelsen", "Frederiksen", "Laursen", "Henriksen",
        "Lund", "Schmidt", "Eriksen", "Holm", "Kristiansen", "Clausen", "Simonsen", "Svendsen", "Andreasen",
        "Iversen", "Østergaard", "Jeppesen", "Vestergaard", "Nissen", "Hassan", "Yilmaz", "Kowalski", "Ahmed"]
# (trade, inside FOA's fields)
TRADES_FOA = ["Social- og sundhedshjælper", "Social- og sundhedsassistent", "Pædagogisk assistent",
              "Pædagogmedhjælper", "Dagplejer", "Køkkenassistent", "Ernæringsassistent", "Rengøringsassistent",
              "Serviceassistent", "Portør", "Handicaphjælper", "Buschauffør", "Teknisk servicemedarbejder"]
TRADES_OTHER = ["Lagermedarbejder", "Butiksassistent", "Kontorassistent", "Chauffør", "Produktionsmedarbejder",
                "Kundeservicemedarbejder"]
